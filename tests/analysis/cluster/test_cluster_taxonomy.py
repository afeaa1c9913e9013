"""Error-mode tags: accuracy on planted comments, detectors against reference parsers, errors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from feedback_lab.analysis.cluster import DEFAULT_TAXONOMY, ErrorMode, tag_error_modes
from feedback_lab.analysis.cluster._detectors import (
    detect,
    detect_language,
    invalid_json,
    length_outliers,
    refusal_phrase,
)

pytestmark = pytest.mark.model


def test_default_taxonomy_has_the_eight_documented_modes():
    assert [m.name for m in DEFAULT_TAXONOMY] == [
        "hallucination", "refusal", "format_error", "length_verbosity", "wrong_language",
        "outdated_information", "off_topic", "tool_error"]
    assert all(m.description and len(m.examples) >= 5 for m in DEFAULT_TAXONOMY)


def test_tags_follow_the_planted_mode(planted):
    tags = tag_error_modes(planted["texts"], embeddings=planted["embeddings"])
    acc = float((tags["error_mode"].to_numpy() == planted["modes"]).mean())
    print(f"tag accuracy on planted comments: {acc:.3f}")
    assert acc >= 0.9
    assert tags["error_mode_confidence"].between(0, 1).all()
    # every mode is recovered for most of its items, not just on average
    for mode in DEFAULT_TAXONOMY:
        sel = planted["modes"] == mode.name
        assert (tags["error_mode"].to_numpy()[sel] == mode.name).mean() >= 0.75, mode.name


def test_detectors_override_weak_text_evidence(encode):
    texts = ["please review this one"] * 3
    tags = tag_error_modes(
        texts, embeddings=encode(texts),
        inputs=["Return the order as JSON", "Where is my parcel?", "¿Dónde está mi paquete y cuándo llega a mi casa?"],
        outputs=['{"order": 1,}', "I'm sorry, but I can't help with that.",
                 "Your parcel is on its way and it will arrive on Monday."],
    )
    assert tags["error_mode"].tolist() == ["format_error", "refusal", "wrong_language"]
    assert all("detector" in e for e in tags["error_mode_evidence"])


def test_invalid_json_agrees_with_json_module():
    outs = ['{"a": 1}', "```json\n{\"a\": [1, 2]}\n```", "{'a': 1}", '{"a": 1', "[]", "null", "text"]
    ref = []
    for o in outs:
        body = o.strip().removeprefix("```json").removesuffix("```")
        try:
            json.loads(body)
            ref.append(False)
        except ValueError:
            ref.append(True)
    assert invalid_json(["answer in JSON"] * len(outs), outs).tolist() == ref
    assert not invalid_json(["no format asked"], ["{bad"]).any()


def test_refusal_language_and_length_detectors():
    assert refusal_phrase(["As an AI language model, I cannot do that.", "Here are the steps."]).tolist() == [True, False]
    assert detect_language("Bonjour, je voudrais savoir où est le colis que vous avez envoyé pour moi") == "fr"
    assert detect_language("ok") is None
    lengths = ["x" * n for n in [100, 110, 95, 105, 98, 102, 97, 103, 99, 101] * 3] + ["x" * 20000]
    hits = length_outliers(lengths)
    assert hits.tolist() == [False] * 30 + [True]
    ev, reasons = detect(["tool_error"], outputs=["fine", ""], status=["ok", "error"])
    assert ev[:, 0].tolist() == [0.0, 1.0] and reasons[1] == "status is error"


def test_custom_taxonomy_and_empty_texts(encode):
    tax = [ErrorMode("pricing", "The answer gives the wrong price.", keywords=(r"price",)),
           ErrorMode("tone", "The answer is rude or condescending.", keywords=(r"rude",))]
    texts = ["The price it quoted was wrong", "It was rude to the customer", ""]
    emb = np.vstack([encode(texts[:2]), np.zeros((1, 384), dtype=np.float32)])
    tags = tag_error_modes(texts, embeddings=emb, taxonomy=tax)
    assert tags["error_mode"].tolist() == ["pricing", "tone", None]
    assert np.isnan(tags["error_mode_confidence"].iloc[2])


def test_errors_say_what_to_fix(encode):
    with pytest.raises(ValueError, match="aligned"):
        tag_error_modes(["a", "b"], embeddings=np.zeros((3, 384)))
    with pytest.raises(ValueError, match="model"):
        tag_error_modes(["a"], embeddings=np.ones((1, 7)))
    with pytest.raises(ValueError, match="duplicate"):
        tag_error_modes(["a"], taxonomy=[ErrorMode("x", "d"), ErrorMode("x", "e")])
    with pytest.raises(ValueError, match="regular expression"):
        ErrorMode("x", "d", keywords=("(",))


def _hits_one_by_one(texts, modes):
    import re

    pats = [[re.compile(p, re.I) for p in m.keywords] for m in modes]
    return [[[m.group(0) for p in plist if isinstance(t, str) and (m := p.search(t))] for plist in pats]
            for t in texts]


_WORDS = ["long\n", "a\x1cb", "a\x0bb", "a\u00a0b", "[x", "ax", ":x", "\u0663\u0663\u0663", "\u212a", "kelvin", "sign", "\u017f", "\u0130", "\u0131", "\u00df", "SS", "made up", "Refused", "json", "too long", "Spanish", "outdated", "off-topic", "error 503", "billing",
          "wont", "won't", "invented", "the the", "abcabc", "(", "\\", "\n", "é", " ", "timeout", "OLD"]


def _quiet_modes(make):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Possible nested set", FutureWarning)
        return make()


@pytest.mark.parametrize("extra", [
    (),
    # a back-reference and a conditional cannot be combined into one alternation: searched one by one
    (ErrorMode("echo", "repeats itself", keywords=(r"\b(\w+) \1\b",)),),
    (ErrorMode("cond", "conditional", keywords=(r"(a)?(?(1)bc|xyz)", r"abc")),),
    # the same group name twice does not compile as one alternation
    (ErrorMode("named", "named groups", keywords=(r"(?P<w>ab)c", r"(?P<w>ca)b")),),
    # a look-behind is not supported by polars' regex engine: the gate falls back to Python's re
    (ErrorMode("look", "look-around", keywords=(r"(?<=too )long", r"sign\b", r"\u212a")),),
    # case folding beyond ASCII (Kelvin sign, long s, dotted/dotless i, sharp s)
    (ErrorMode("fold", "case folding", keywords=(r"k", r"s\b", r"i", r"ss", r"\bkelvin")),),
    # "$" before a final newline, POSIX-looking classes, whitespace classes on control characters
    # ("[[:alpha:]]x" is a plain class to Python, which warns that it may become a POSIX class one day:
    # the warning is the point of this case, so it is not shown)
    pytest.param(_quiet_modes(lambda: (ErrorMode("edges", "engine edges",
                                                 keywords=(r"long$", r"[[:alpha:]]x", r"a\sb", r"\d\d\d", r"\w+\b")),)),
                 marks=pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")),
])
def test_keyword_prefilter_finds_exactly_what_each_pattern_finds(extra):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from feedback_lab.analysis.cluster._taxonomy import _keyword_hits

    modes = [*DEFAULT_TAXONOMY, *extra]

    @settings(max_examples=150, deadline=None, database=None)
    @given(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join), st.text()),
                    max_size=12))
    def check(texts):
        hits, words = _keyword_hits(texts, modes)
        expect = _hits_one_by_one(texts, modes)
        assert words == expect
        assert hits.tolist() == [[float(len(w)) for w in row] for row in expect]

    check()

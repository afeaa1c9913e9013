"""FeedbackConfig / RubricItem: construction rules, entry validation, widget control, YAML/JSON."""

from __future__ import annotations

import json

import pytest

import feedback_lab as fl
from feedback_lab import FeedbackConfig, RubricItem


def test_issue_examples_construct():
    assert FeedbackConfig(name="rating", kind="numeric", min=1, max=5).max == 5
    assert FeedbackConfig(name="verdict", kind="boolean").kind == "boolean"
    assert FeedbackConfig(name="issue", kind="categorical", labels=["hallucination", "format"]).labels == (
        "hallucination", "format")
    assert FeedbackConfig(name="note", kind="text", max_length=2000).max_length == 2000


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"name": "issue", "kind": "categorical", "labels": ["only"]}, "at least two distinct labels"),
    ({"name": "issue", "kind": "categorical", "labels": ["a", "a"]}, "at least two distinct labels"),
    ({"name": "issue", "kind": "categorical", "labels": ["a", "b", "a"]}, "more than once"),
    ({"name": "issue", "kind": "categorical"}, "at least two distinct labels"),
    ({"name": "rating", "kind": "numeric", "min": 5, "max": 1}, "greater than max"),
    ({"name": "rating", "kind": "numbr"}, "Did you mean 'numeric'"),
    ({"name": "", "kind": "numeric"}, "non-empty"),
    ({"name": "x", "kind": "boolean", "min": 0}, "apply to kind='numeric'"),
    ({"name": "x", "kind": "numeric", "labels": ["a", "b"]}, "apply to kind='categorical'"),
    ({"name": "x", "kind": "text", "max_length": 0}, "positive integer"),
    ({"name": "x", "kind": "numeric", "max_length": 10}, "applies to kind='text'"),
    ({"name": "x", "kind": "numeric", "direction": "up"}, "maximize"),
    ({"name": "x", "kind": "numeric", "min": float("nan")}, "finite"),
])
def test_invalid_configs_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FeedbackConfig(**kwargs)


def test_frozen():
    cfg = FeedbackConfig("rating", min=1, max=5)
    with pytest.raises(AttributeError):
        cfg.min = 0  # type: ignore[misc]


@pytest.mark.parametrize(("cfg", "entry", "reason"), [
    (FeedbackConfig("r", min=1, max=5), {"value": 3}, None),
    (FeedbackConfig("r", min=1, max=5), {"value": 5.0}, None),
    (FeedbackConfig("r", min=1, max=5), {"value": 0}, "out of range"),
    (FeedbackConfig("r", min=1, max=5), {"value": 6}, "out of range"),
    (FeedbackConfig("r", min=1, max=5), {"value": "4"}, "wrong type"),
    (FeedbackConfig("r", min=1, max=5), {"value": True}, "wrong type"),
    (FeedbackConfig("r", min=1, max=5), {}, "wrong type"),
    (FeedbackConfig("r", min=1, max=5), {"value": float("nan")}, "wrong type"),
    (FeedbackConfig("r", min=0), {"value": 1e9}, None),
    (FeedbackConfig("v", "boolean"), {"value": 1}, None),
    (FeedbackConfig("v", "boolean"), {"label": "FAIL"}, None),
    (FeedbackConfig("v", "boolean"), {"value": 2}, "out of range"),
    (FeedbackConfig("v", "boolean"), {"label": "maybe"}, "unknown label"),
    (FeedbackConfig("v", "boolean"), {"value": 1, "label": "fail"}, "conflict"),
    (FeedbackConfig("c", "categorical", labels=["a", "b"]), {"label": "a"}, None),
    (FeedbackConfig("c", "categorical", labels=["format", "b"]), {"label": "formt"}, "unknown label"),
    (FeedbackConfig("c", "categorical", labels=["a", "b"]), {"value": 1.0}, "wrong type"),
    (FeedbackConfig("t", "text", max_length=10), {"comment": "fine"}, None),
    (FeedbackConfig("t", "text", max_length=10), {"comment": "   "}, "empty text"),
    (FeedbackConfig("t", "text", max_length=10), {}, "empty text"),
    (FeedbackConfig("t", "text", max_length=3), {"comment": "four"}, "text too long"),
])
def test_validate_value(cfg, entry, reason):
    got = cfg.validate_value(**entry)
    if reason is None:
        assert got is None
    else:
        assert got is not None and got.startswith(reason), got


def test_control_tells_widget_what_to_draw():
    assert FeedbackConfig("r", min=1, max=5).control() | {} == {
        "kind": "numeric", "widget": "slider", "min": 1, "max": 5, "step": 1, "labels": None,
        "max_length": None, "direction": "maximize", "description": ""}
    assert FeedbackConfig("p", min=0.0, max=0.5).control()["step"] == pytest.approx(0.005)
    assert FeedbackConfig("u").control()["widget"] == "number"
    assert FeedbackConfig("v", "boolean").control()["labels"] == ["pass", "fail"]
    assert FeedbackConfig("c", "categorical", labels=["x", "y"]).control()["widget"] == "dropdown"
    assert FeedbackConfig("t", "text", max_length=9).control()["max_length"] == 9


def test_rubric_attached():
    item = RubricItem("verdict", "Fail made-up policies", positive_examples=["ok"], negative_examples=("bad",),
                      edge_cases="partly", version=2)
    cfg = FeedbackConfig("verdict", "boolean", rubric=[item])
    assert cfg.rubric[0].negative_examples == ("bad",) and cfg.rubric[0].edge_cases == ("partly",)
    assert cfg.rubric[0].version == "2"
    assert RubricItem(cfg, "g").config == "verdict"
    with pytest.raises(ValueError, match="attached to config 'other'"):
        FeedbackConfig("verdict", "boolean", rubric=[RubricItem("other", "g")])
    with pytest.raises(ValueError, match="guidance"):
        RubricItem("verdict", " ")


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_round_trip(tmp_path, suffix):
    configs = [
        FeedbackConfig("rating", "numeric", min=1, max=5, description="1-5 stars"),
        FeedbackConfig("toxicity", "numeric", min=0.0, max=1.0, direction="minimize", step=0.1),
        FeedbackConfig("verdict", "boolean", rubric=[RubricItem("verdict", "g", ["p"], ["n"], ["e"], "3")]),
        FeedbackConfig("issue", "categorical", labels=["hallucination", "format"]),
        FeedbackConfig("note", "text", max_length=2000),
    ]
    path = fl.save_configs(configs, tmp_path / f"fb{suffix}")
    loaded = fl.load_configs(path)
    assert list(loaded) == [c.name for c in configs]
    assert list(loaded.values()) == configs


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        fl.load_configs(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"feedback_configs": [{"name": "issue", "kind": "categorical", "labels": ["a"]}]}))
    with pytest.raises(ValueError, match=r"bad.json, entry 0: .*two distinct labels"):
        fl.load_configs(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("feedback_configs:\n  - name: r\n    kind: numeric\n    maxx: 5\n")
    with pytest.raises(ValueError, match="Did you mean 'max'"):
        fl.load_configs(typo)
    broken = tmp_path / "broken.yaml"
    broken.write_text("feedback_configs: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        fl.load_configs(broken)
    with pytest.raises(ValueError, match=r"\.yaml, \.yml or \.json"):
        fl.save_configs([FeedbackConfig("r")], tmp_path / "x.toml")
    with pytest.raises(ValueError, match="share the name"):
        fl.save_configs([FeedbackConfig("r"), FeedbackConfig("r")], tmp_path / "x.yaml")


def test_is_negative_follows_direction():
    assert FeedbackConfig("r", min=1, max=5).is_negative(2)
    assert not FeedbackConfig("r", min=1, max=5).is_negative(3)
    assert FeedbackConfig("tox", min=0, max=1, direction="minimize").is_negative(0.8)
    assert FeedbackConfig("v", "boolean").is_negative(0)

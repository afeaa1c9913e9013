"""Cheap exact detectors on traces: invalid JSON when JSON was asked, refusal phrases,
language mismatch, length outliers and error status.

Each detector returns a boolean array over the traces; :func:`detect` maps the hits onto the
modes of a taxonomy by name (``format_error``, ``refusal``, ``wrong_language``,
``length_verbosity``, ``tool_error``) so that a custom taxonomy without those names simply
gets no detector evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np

__all__ = ["detect", "detect_language", "invalid_json", "length_outliers", "refusal_phrase"]

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S | re.I)
_ASKS_JSON = re.compile(r"\bjson\b", re.I)
_REFUSAL = re.compile(
    r"\b(?:i(?:'m| am) sorry,? but i (?:can(?:'|no)t|am unable|won't)|i (?:can(?:'|no)t|won't|am unable to) "
    r"(?:help|assist|provide|comply|do that)|as an ai(?: language model)?,? i|i must decline|"
    r"i(?:'m| am) not able to (?:help|assist|provide)|against my (?:guidelines|policy))",
    re.I,
)
_STOPWORDS = {
    "en": "the and is are to of in that it for you with this was have not what on be",
    "es": "el la los las que de en y es por para una con no su al lo como más mi está dónde cuándo qué me del",
    "fr": "le la les des est et une que pour dans pas vous sur avec ce qui il",
    "de": "der die das und ist nicht ein eine zu mit den von sie ich auf für auch",
    "pt": "o os as que de em um uma para com não é do da no na se por",
    "it": "il lo gli che di e è una per con non un del della sono nel al",
    "nl": "de het een en is van dat niet op te zijn met voor ik je er",
}
_STOP = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
_SCRIPTS = [("zh", re.compile(r"[\u4e00-\u9fff]")), ("ja", re.compile(r"[\u3040-\u30ff]")),
            ("ko", re.compile(r"[\uac00-\ud7af]")), ("ru", re.compile(r"[\u0400-\u04ff]")),
            ("ar", re.compile(r"[\u0600-\u06ff]")), ("hi", re.compile(r"[\u0900-\u097f]")),
            ("el", re.compile(r"[\u0370-\u03ff]")), ("he", re.compile(r"[\u0590-\u05ff]"))]
_WORD = re.compile(r"[^\W\d_]+", re.U)


def _s(x) -> str | None:
    return x if isinstance(x, str) and x.strip() else None


def invalid_json(inputs: Sequence, outputs: Sequence) -> np.ndarray:
    """True where the input asks for JSON and the output is not valid JSON (code fences allowed).

    Examples
    --------
    >>> invalid_json(["Reply in JSON", "Reply in JSON", "hi"], ['{"a": 1}', '{"a": 1,}', "{"]).tolist()
    [False, True, False]
    """
    out = np.zeros(len(outputs), dtype=bool)
    for i, (q, a) in enumerate(zip(inputs, outputs, strict=True)):
        q, a = _s(q), _s(a)
        if q is None or a is None or not _ASKS_JSON.search(q):
            continue
        m = _FENCE.match(a)
        try:
            json.loads(m.group(1) if m else a)
        except ValueError:
            out[i] = True
    return out


def refusal_phrase(outputs: Sequence) -> np.ndarray:
    """True where an output contains a stock refusal ("I'm sorry, but I can't ...").

    Examples
    --------
    >>> refusal_phrase(["I'm sorry, but I can't help with that.", "Sure, here it is."]).tolist()
    [True, False]
    """
    return np.array([bool(_s(a) and _REFUSAL.search(a)) for a in outputs], dtype=bool)


def detect_language(text) -> str | None:
    """A coarse language guess (script, then stop-word counts); ``None`` when unsure.

    Examples
    --------
    >>> detect_language("Where is the nearest station and how do I get there?")
    'en'
    >>> detect_language("¿Dónde está la estación más cercana y cómo llego a ella?")
    'es'
    """
    text = _s(text)
    if text is None:
        return None
    for lang, pat in _SCRIPTS:
        if len(pat.findall(text)) >= 3:
            return lang
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 5:
        return None
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOP.items()}
    best = max(counts, key=counts.get)
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] < 2 or ranked[0] < 1.5 * ranked[1]:
        return None
    return best


def language_mismatch(inputs: Sequence, outputs: Sequence) -> np.ndarray:
    """True where input and output are both confidently detected and differ in language."""
    out = np.zeros(len(outputs), dtype=bool)
    for i, (q, a) in enumerate(zip(inputs, outputs, strict=True)):
        lq, la = detect_language(q), detect_language(a)
        out[i] = lq is not None and la is not None and lq != la
    return out


def length_outliers(outputs: Sequence, *, threshold: float = 4.0, min_n: int = 20) -> np.ndarray:
    """True for outputs whose log-length is a robust outlier (|modified z| > ``threshold``).

    The modified z-score uses the median and the median absolute deviation (Iglewicz & Hoaglin);
    fewer than ``min_n`` non-empty outputs give no outliers.
    """
    lengths = np.array([len(a) if _s(a) else 0 for a in outputs], dtype=float)
    ok = lengths > 0
    out = np.zeros(len(lengths), dtype=bool)
    if ok.sum() < min_n:
        return out
    logl = np.log(lengths[ok])
    med = np.median(logl)
    mad = np.median(np.abs(logl - med))
    if mad == 0:
        return out
    z = 0.6745 * (logl - med) / mad
    out[np.flatnonzero(ok)] = np.abs(z) > threshold
    return out


def detect(mode_names: Sequence[str], *, inputs=None, outputs=None, status=None) -> tuple[np.ndarray, list[str]]:
    """Detector evidence ``(n, k)`` in {0, 1} for the modes in ``mode_names``, plus a reason per row."""
    n = len(outputs) if outputs is not None else (len(status) if status is not None else 0)
    ev = np.zeros((n, len(mode_names)), dtype=float)
    reasons = [""] * n
    idx = {name: j for j, name in enumerate(mode_names)}

    def mark(name: str, hits: np.ndarray, why: str) -> None:
        if name not in idx:
            return
        for i in np.flatnonzero(hits):
            ev[i, idx[name]] = 1.0
            reasons[i] = f"{reasons[i]}; {why}" if reasons[i] else why

    if status is not None:
        bad = np.array([isinstance(s, str) and s.strip().lower() in {"error", "failed", "failure", "timeout"}
                        for s in status], dtype=bool)
        mark("tool_error", bad, "status is error")
    if outputs is not None:
        mark("refusal", refusal_phrase(outputs), "refusal phrase in output")
        mark("length_verbosity", length_outliers(outputs), "output length outlier")
        if inputs is not None:
            mark("format_error", invalid_json(inputs, outputs), "invalid JSON (JSON was asked)")
            mark("wrong_language", language_mismatch(inputs, outputs), "input/output language mismatch")
    return ev, reasons

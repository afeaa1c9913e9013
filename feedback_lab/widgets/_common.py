"""Helpers shared by the widgets: inert text rendering, trace records, config duck-typing.

Trace text is untrusted. It only ever reaches the page through :func:`text_html`
(``html.escape`` inside a ``<pre>``), ipywidgets ``Label``/``Textarea`` values, or the
``textContent`` of the anywidget front end, so ``<script>``, ``onerror=`` attributes and
markdown never run or render. Long texts are cut for display (the full text stays in the
queue, the store and the filters).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from feedback_lab._validation import repeated

__all__ = [
    "DISPLAY_CHARS",
    "config_list",
    "control_spec",
    "esc",
    "rubric_map",
    "text_html",
    "trace_records",
    "truncate",
    "utf16_to_index",
]

#: characters of one text shown before "show more" (a 1 MB single line stays responsive)
DISPLAY_CHARS = 20_000
_PRE_STYLE = ("white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;max-height:24em;"
              "overflow:auto;margin:0;padding:4px 6px;background:var(--jp-layout-color2,#f5f5f5);"
              "font-family:var(--jp-code-font-family,monospace);font-size:12px")


def esc(x: Any) -> str:
    """``html.escape(str(x))``; ``None`` becomes an empty string.

    Examples
    --------
    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return "" if x is None else html.escape(str(x), quote=True)


def truncate(text: Any, limit: int = DISPLAY_CHARS) -> tuple[str, int]:
    """``(shown, hidden)``: the first ``limit`` characters and how many were cut.

    Examples
    --------
    >>> truncate("abcdef", 4)
    ('abcd', 2)
    """
    s = "" if text is None else str(text)
    if limit < 0 or len(s) <= limit:
        return s, 0
    return s[:limit], len(s) - limit


def text_html(text: Any, limit: int = DISPLAY_CHARS, *, title: str | None = None) -> str:
    """Escaped, wrapped ``<pre>`` block of at most ``limit`` characters (safe for ``widgets.HTML``).

    Examples
    --------
    >>> text_html("<script>x</script>", title="output")
    '<b>output</b><pre ...>&lt;script&gt;x&lt;/script&gt;</pre>'
    """
    shown, hidden = truncate(text, limit)
    more = f"<i>… {hidden:,} more characters not shown</i>" if hidden else ""
    head = f"<b>{esc(title)}</b>" if title else ""
    return f"{head}<pre style=\"{_PRE_STYLE}\">{esc(shown)}</pre>{more}"


def utf16_to_index(text: str, units: int) -> int:
    """Python index of the character at UTF-16 offset ``units`` (browsers count UTF-16 units).

    Examples
    --------
    >>> utf16_to_index("a😀b", 3)
    2
    """
    if units <= 0:
        return 0
    if text.isascii():
        return min(units, len(text))
    count = 0
    for i, ch in enumerate(text):
        if count >= units:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def trace_records(traces: Any) -> tuple[list[dict[str, Any]], Any, Any]:
    """``(records, spans, feedback)`` from a TraceSet, a traces frame or a list of dicts.

    Records keep the input order; ``spans``/``feedback`` are polars frames or None.
    """
    from feedback_lab._frame import is_dataframe, to_polars

    spans = feedback = None
    if hasattr(traces, "traces") and hasattr(traces, "spans"):
        spans, feedback = to_polars(traces.spans), to_polars(traces.feedback)
        traces = traces.traces
    if is_dataframe(traces):
        df = to_polars(traces)
        if "trace_id" not in df.columns:
            from feedback_lab._validation import require_columns

            require_columns(df, ["trace_id"], func="widgets", frame="traces")
        records = df.to_dicts()
    elif isinstance(traces, Iterable) and not isinstance(traces, (str, bytes, Mapping)):
        records = [dict(r) for r in traces]
        bad = [i for i, r in enumerate(records) if not r.get("trace_id")]
        if bad:
            msg = f"traces: records {bad[:5]} have no 'trace_id'; every trace needs one."
            raise ValueError(msg)
    else:
        msg = f"traces must be a TraceSet, a pandas/polars frame or a list of dicts, got {type(traces).__name__}."
        raise TypeError(msg)
    for r in records:
        r["trace_id"] = str(r["trace_id"])
    return records, spans, feedback


def config_list(configs: Any) -> list[Any]:
    """FeedbackConfigs from one config, a list, or a ``{name: config}`` mapping (names unique)."""
    if isinstance(configs, Mapping):
        configs = list(configs.values())
    elif hasattr(configs, "validate_value"):
        configs = [configs]
    configs = list(configs or [])
    if not configs:
        msg = "AnnotationQueue needs at least one FeedbackConfig (e.g. FeedbackConfig('verdict', 'boolean'))."
        raise ValueError(msg)
    for c in configs:
        if not (hasattr(c, "name") and hasattr(c, "kind") and hasattr(c, "validate_value")):
            msg = f"configs: expected FeedbackConfig objects, got {type(c).__name__} {c!r}."
            raise TypeError(msg)
    dupes = repeated(c.name for c in configs)
    if dupes:
        msg = f"configs: names must be unique; {dupes} appear more than once."
        raise ValueError(msg)
    return configs


def rubric_map(configs: Sequence[Any], rubric: Any) -> dict[str, list[Any]]:
    """``{config name: [RubricItem, ...]}`` from the configs' own rubric and ``rubric``."""
    out: dict[str, list[Any]] = {c.name: list(getattr(c, "rubric", ()) or ()) for c in configs}
    items = [] if rubric is None else ([rubric] if hasattr(rubric, "guidance") else list(rubric))
    for item in items:
        name = getattr(item.config, "name", item.config)
        if name not in out:
            msg = f"rubric item for {name!r} matches no config; configs are {sorted(out)}."
            raise ValueError(msg)
        if item not in out[name]:
            out[name].append(item)
    return out


def control_spec(config: Any) -> dict[str, Any]:
    """What control to draw for a config: ``{"widget": "buttons"|"number"|"text", "options": ...}``.

    Boolean -> pass/fail buttons; numeric with at most 10 integer steps -> buttons
    (a 1-5 scale); other numeric -> a number box; categorical -> buttons (a dropdown
    above 8 labels); text -> a text area.

    Examples
    --------
    >>> from types import SimpleNamespace as C
    >>> control_spec(C(name="r", kind="numeric", min=1, max=5))["options"]
    [1, 2, 3, 4, 5]
    """
    kind = config.kind
    if kind == "boolean":
        return {"widget": "buttons", "options": ["pass", "fail"], "field": "label"}
    if kind == "categorical":
        labels = list(config.labels or ())
        return {"widget": "buttons" if len(labels) <= 8 else "dropdown", "options": labels, "field": "label"}
    if kind == "numeric":
        lo, hi = getattr(config, "min", None), getattr(config, "max", None)
        if lo is not None and hi is not None and float(lo).is_integer() and float(hi).is_integer() and 0 < hi - lo <= 9:
            return {"widget": "buttons", "options": list(range(int(lo), int(hi) + 1)), "field": "value"}
        return {"widget": "number", "options": None, "field": "value"}
    return {"widget": "text", "options": None, "field": "comment"}


def metadata_text(meta: Any) -> str:
    """Pretty JSON for a metadata value (a JSON string or a mapping), else ``str``."""
    if meta is None:
        return ""
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return meta
    try:
        return json.dumps(meta, indent=1, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(meta)

"""Render review sections to one self-contained, offline HTML file.

Everything a trace contains is escaped: tables go through ``html.escape`` cell by cell,
figures are embedded as plotly JSON (plotly.js inlined once, no CDN), and no text from
the data is ever written as markup.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from typing import Any

__all__ = ["Block", "Section", "render_html"]

_VERDICT_STYLE = {
    "ok": ("#1a7f37", "OK"),
    "attention": ("#bf8700", "Needs attention"),
    "alert": ("#cf222e", "Alert"),
    "n/a": ("#6e7781", "Not available"),
    "error": ("#82071e", "Failed"),
    None: ("#6e7781", ""),
}


@dataclasses.dataclass(frozen=True)
class Block:
    """One piece of a section: ``kind`` is "text", "table", "figure" or "list"."""

    kind: str
    content: Any
    caption: str = ""


@dataclasses.dataclass(frozen=True)
class Section:
    """A report section: what it shows, what to decide, and its content."""

    key: str
    title: str
    lead: str
    blocks: tuple[Block, ...] = ()
    verdict: str | None = None
    headline: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "verdict": self.verdict, "headline": self.headline}


def _esc(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _cell(v: Any, max_chars: int) -> str:
    if v is None:
        return ""
    try:
        import math

        if isinstance(v, float) and math.isnan(v):
            return ""
    except TypeError:
        pass
    if isinstance(v, float):
        s = f"{v:.4g}"
    elif isinstance(v, (list, tuple)):
        s = ", ".join(str(x) for x in v)
    else:
        s = str(v)
    if len(s) > max_chars:
        s = s[: max_chars - 1] + "…"
    return _esc(s)


def table_html(df: Any, *, max_rows: int = 50, max_chars: int = 300) -> str:
    """An escaped HTML table of a pandas or polars frame (first ``max_rows`` rows)."""
    from feedback_lab._frame import to_pandas

    pdf = to_pandas(df)
    n = len(pdf)
    pdf = pdf.head(max_rows)
    head = "".join(f"<th>{_esc(c)}</th>" for c in pdf.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v, max_chars)}</td>" for v in row) + "</tr>"
        for row in pdf.itertuples(index=False, name=None)
    )
    more = f"<p class='more'>{n - max_rows} more rows not shown.</p>" if n > max_rows else ""
    return f"<div class='tbl'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}"


def _figure_html(fig: Any, div_id: str) -> str:
    # plotly's own JSON encoder; the JSON sits inside a <script type="application/json">,
    # with "<" escaped so that no trace text can close the script element.
    payload = fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f"<div class='fig' id='{div_id}'></div>"
        f"<script type='application/json' id='{div_id}-data'>{payload}</script>"
    )


def _block_html(block: Block, idx: str) -> str:
    cap = f"<p class='caption'>{_esc(block.caption)}</p>" if block.caption else ""
    if block.kind == "text":
        return f"<p>{_esc(block.content)}</p>"
    if block.kind == "list":
        return "<ul>" + "".join(f"<li>{_esc(x)}</li>" for x in block.content) + "</ul>"
    if block.kind == "table":
        return cap + table_html(block.content)
    if block.kind == "figure":
        return cap + _figure_html(block.content, f"fig-{idx}")
    msg = f"unknown block kind {block.kind!r}"
    raise ValueError(msg)


_CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#d0d7de}main{max-width:1200px;margin:0 auto;padding:16px 32px}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:8px}
nav li a{display:inline-block;padding:4px 10px;border-radius:12px;background:#fff;border:1px solid #d0d7de;
text-decoration:none;color:#1f2328;font-size:13px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin:16px 0}
section h2{margin:0 0 6px;font-size:18px}.lead{color:#57606a;margin:0 0 10px}
.badge{display:inline-block;color:#fff;border-radius:10px;padding:1px 9px;font-size:12px;margin-left:8px;vertical-align:middle}
.headline{font-weight:600}.tbl{overflow-x:auto}table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top;max-width:420px;
white-space:pre-wrap;word-break:break-word}th{background:#f6f8fa}.caption{font-weight:600;margin:12px 0 2px}
.more,.foot{color:#6e7781;font-size:12px}.fig{width:100%;min-height:380px}
"""

_BOOT = """
document.querySelectorAll("script[type='application/json'][id$='-data']").forEach(function (el) {
  var id = el.id.slice(0, -5), spec = JSON.parse(el.textContent);
  Plotly.newPlot(id, spec.data, spec.layout, {responsive: true, displaylogo: false});
});
"""


def render_html(sections: list[Section], *, title: str, subtitle: str = "") -> str:
    """The whole report as one HTML string (plotly.js inlined, works offline)."""
    from feedback_lab._deps import import_optional

    import_optional("plotly", feature="review_report (figures)")
    from plotly.offline import get_plotlyjs

    nav = "".join(f"<li><a href='#{_esc(s.key)}'>{_esc(s.title)}</a></li>" for s in sections)
    parts = []
    for i, s in enumerate(sections):
        color, text = _VERDICT_STYLE.get(s.verdict, _VERDICT_STYLE[None])
        badge = f"<span class='badge' style='background:{color}'>{_esc(text)}</span>" if text else ""
        head = f"<p class='headline'>{_esc(s.headline)}</p>" if s.headline else ""
        blocks = "".join(_block_html(b, f"{i}-{j}") for j, b in enumerate(s.blocks))
        parts.append(
            f"<section id='{_esc(s.key)}'><h2>{_esc(s.title)}{badge}</h2>"
            f"<p class='lead'>{_esc(s.lead)}</p>{head}{blocks}</section>"
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_esc(title)}</title><style>{_CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{_esc(title)}</h1><p>{_esc(subtitle)}</p></header><main>"
        f"<nav><ul>{nav}</ul></nav>{''.join(parts)}"
        f"<p class='foot'>Generated by feedback_lab at {stamp}. All trace text is shown as text.</p>"
        f"</main><script>{_BOOT}</script></body></html>"
    )


def dumps_summary(summary: dict[str, Any]) -> str:
    """JSON for summary.json: stable key order, NaN written as null."""

    def clean(v: Any) -> Any:
        import math

        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
        if hasattr(v, "item") and not isinstance(v, (str, bytes)):
            try:
                return clean(v.item())
            except (ValueError, AttributeError):
                return str(v)
        if isinstance(v, (dt.datetime, dt.date)):
            return v.isoformat()
        return v

    return json.dumps(clean(summary), indent=2, sort_keys=True, ensure_ascii=False)

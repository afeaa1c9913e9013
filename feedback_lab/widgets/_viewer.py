"""TraceViewer: filter traces (time, model, prompt version, feedback, cluster) and read one.

Every action is a method (``filter``, ``conversation``, ``span_tree``, ``trace_feedback``);
the widget only calls them. Text is escaped (see :mod:`._common`).
"""

from __future__ import annotations

import json
from typing import Any

from feedback_lab._deps import import_optional
from feedback_lab.widgets._common import DISPLAY_CHARS, esc, text_html

__all__ = ["FAILING_LABELS", "TraceViewer", "negative_trace_ids"]

#: labels that count as negative feedback (CONTRIBUTING.md's convention)
FAILING_LABELS = ("fail", "bad", "thumbs_down", "negative", "incorrect", "no")


def negative_trace_ids(feedback) -> set[str]:
    """Trace ids with at least one negative feedback row.

    A row is negative when its ``label`` is a failing label or its ``value`` is below the
    midpoint of its scale; the scale of a feedback name is the range of its observed values
    (0/1 for thumbs and pass/fail).

    Examples
    --------
    >>> import polars as pl
    >>> fb = pl.DataFrame({"trace_id": ["a", "b", "c"], "name": ["r", "r", "v"],
    ...                    "value": [1.0, 5.0, None], "label": [None, None, "fail"]})
    >>> sorted(negative_trace_ids(fb))
    ['a', 'c']
    """
    import polars as pl

    from feedback_lab._frame import to_polars

    fb = to_polars(feedback).with_columns(pl.col("label").cast(pl.String), pl.col("value").cast(pl.Float64))
    if len(fb) == 0:
        return set()
    rng = fb.group_by("name").agg(pl.col("value").min().alias("_lo"), pl.col("value").max().alias("_hi"))
    fb = fb.join(rng, on="name", how="left")
    mid = (pl.col("_lo") + pl.col("_hi")) / 2
    neg = pl.col("label").str.to_lowercase().is_in(list(FAILING_LABELS)).fill_null(False) | (
        (pl.col("value") < mid) & (pl.col("_hi") > pl.col("_lo"))).fill_null(False)
    return set(fb.filter(neg)["trace_id"].cast(pl.String).to_list())


def _messages(text: Any, role: str) -> list[tuple[str, str]]:
    if text is None:
        return []
    s = str(text)
    if s[:1] in "[{":
        try:
            obj = json.loads(s)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("messages"), list):
            obj = obj["messages"]
        if isinstance(obj, list) and obj and all(isinstance(m, dict) and "content" in m for m in obj):
            return [(str(m.get("role", role)), m["content"] if isinstance(m["content"], str)
                     else json.dumps(m["content"], ensure_ascii=False)) for m in obj]
    return [(role, s)]


class TraceViewer:
    """Browse a TraceSet: filters on the left, one trace's conversation, span tree and feedback.

    Parameters
    ----------
    traceset : TraceSet
    clusters : ClusterResult or DataFrame, optional
        Cluster assignments (``trace_id``, ``cluster``; a ClusterResult's ``assignments``)
        to filter by cluster.

    Examples
    --------
    >>> import polars as pl
    >>> from feedback_lab.schema import TraceSet
    >>> ts = TraceSet.from_frames(traces=pl.DataFrame({"trace_id": ["a", "b"], "model": ["m1", "m2"]}))
    >>> TraceViewer(ts).filter(models=["m2"])["trace_id"].to_list()
    ['b']
    """

    def __init__(self, traceset: Any, *, clusters: Any = None) -> None:
        import polars as pl

        from feedback_lab._frame import to_polars

        if not all(hasattr(traceset, f) for f in ("traces", "spans", "feedback")):
            msg = f"TraceViewer needs a TraceSet (from fl.read_traces), got {type(traceset).__name__}."
            raise TypeError(msg)
        self.traces = to_polars(traceset.traces).with_columns(pl.col("trace_id").cast(pl.String))
        self.spans = to_polars(traceset.spans)
        self.feedback = to_polars(traceset.feedback)
        self.assignments = None
        if clusters is not None:
            a = getattr(clusters, "assignments", clusters)
            self.assignments = to_polars(a).select(pl.col("trace_id").cast(pl.String), "cluster")
        self._ui = None

    def filter(self, *, start: Any = None, end: Any = None, models: Any = None, prompt_versions: Any = None,
               feedback: str = "any", clusters: Any = None):
        """Traces matching every given filter (polars frame, in the input order).

        Parameters
        ----------
        start, end : datetime or ISO string, optional
            Keep ``start <= timestamp < end`` (UTC when no zone is given).
        models, prompt_versions : list of str, optional
        feedback : {"any", "negative", "not_negative", "with", "without"}
            Keep traces with negative feedback (see :func:`negative_trace_ids`), without
            it, with any feedback row, or with none.
        clusters : list, optional
            Cluster ids (needs ``clusters=`` at construction).
        """
        import polars as pl

        df = self.traces
        for bound, op in ((start, "ge"), (end, "lt")):
            if bound is not None:
                ts = pl.Series([bound]).cast(pl.String).str.to_datetime(time_unit="us") if isinstance(bound, str) \
                    else pl.Series([bound]).cast(pl.Datetime("us"))
                ts = ts.dt.replace_time_zone("UTC") if ts.dtype.time_zone is None else ts.dt.convert_time_zone("UTC")
                col = pl.col("timestamp")
                df = df.filter(col >= ts[0] if op == "ge" else col < ts[0])
        if models:
            df = df.filter(pl.col("model").is_in(list(models)))
        if prompt_versions:
            df = df.filter(pl.col("prompt_version").is_in(list(prompt_versions)))
        choices = ("any", "negative", "not_negative", "with", "without")
        if feedback not in choices:
            msg = f"TraceViewer.filter: feedback must be one of {list(choices)}, got {feedback!r}."
            raise ValueError(msg)
        if feedback in ("negative", "not_negative"):
            neg = negative_trace_ids(self.feedback)
            df = df.filter(pl.col("trace_id").is_in(list(neg)) == (feedback == "negative"))
        elif feedback in ("with", "without"):
            has = set(self.feedback["trace_id"].cast(pl.String).to_list())
            df = df.filter(pl.col("trace_id").is_in(list(has)) == (feedback == "with"))
        if clusters:
            if self.assignments is None:
                msg = "TraceViewer.filter: clusters= needs cluster assignments; pass clusters=result to TraceViewer."
                raise ValueError(msg)
            ids = self.assignments.filter(pl.col("cluster").is_in(list(clusters)))["trace_id"].to_list()
            df = df.filter(pl.col("trace_id").is_in(ids))
        return df

    def _trace(self, trace_id: str) -> dict[str, Any]:
        import polars as pl

        rows = self.traces.filter(pl.col("trace_id") == str(trace_id))
        if len(rows) == 0:
            msg = f"TraceViewer: no trace {trace_id!r} in this TraceSet of {len(self.traces)} traces."
            raise KeyError(msg)
        return rows.row(0, named=True)

    def conversation(self, trace_id: str) -> list[tuple[str, str]]:
        """``[(role, text), ...]``: input messages (JSON chat lists are unpacked) then the output."""
        t = self._trace(trace_id)
        return _messages(t.get("input"), "user") + _messages(t.get("output"), "assistant")

    def span_tree(self, trace_id: str) -> list[tuple[int, dict[str, Any]]]:
        """``[(depth, span row), ...]`` depth-first by start time; orphans are roots."""
        import polars as pl

        self._trace(trace_id)
        rows = self.spans.filter(pl.col("trace_id") == str(trace_id)).sort("start", nulls_last=True).to_dicts()
        ids = {r["span_id"] for r in rows}
        kids: dict[Any, list[dict[str, Any]]] = {}
        for r in rows:
            kids.setdefault(r["parent_id"] if r["parent_id"] in ids else None, []).append(r)
        out: list[tuple[int, dict[str, Any]]] = []
        stack = [(0, r) for r in reversed(kids.get(None, []))]
        while stack:
            d, r = stack.pop()
            out.append((d, r))
            stack.extend((d + 1, c) for c in reversed(kids.get(r["span_id"], [])))
        return out

    def trace_feedback(self, trace_id: str):
        """Feedback rows of one trace."""
        import polars as pl

        return self.feedback.filter(pl.col("trace_id").cast(pl.String) == str(trace_id))

    def trace_html(self, trace_id: str, limit: int = DISPLAY_CHARS) -> str:
        """Escaped HTML of one trace: conversation, span tree, feedback."""
        parts = [f"<h4>trace <code>{esc(trace_id)}</code></h4>"]
        parts += [text_html(text, limit, title=role) for role, text in self.conversation(trace_id)]
        tree = self.span_tree(trace_id)
        if tree:
            parts.append("<b>spans</b>" + "".join(
                f"<div style='margin-left:{d * 16}px'>{esc(r.get('name'))} [{esc(r.get('kind'))}]</div>"
                for d, r in tree))
        fb = self.trace_feedback(trace_id)
        rows = "".join("<tr>" + "".join(f"<td>{esc(r.get(c))}</td>" for c in
                                        ("name", "value", "label", "annotator_kind", "comment")) + "</tr>"
                       for r in fb.to_dicts())
        parts.append(f"<b>feedback</b><table>{rows}</table>" if rows else "<i>no feedback</i>")
        return "".join(parts)

    def widget(self):
        """Filters, a list of matching traces, and the selected trace."""
        if self._ui is not None:
            return self._ui
        w = import_optional("ipywidgets", feature="TraceViewer")
        t = self.traces

        def opts(col: str) -> list[str]:
            return sorted(str(v) for v in t[col].drop_nulls().unique()) if col in t.columns else []

        start, end = w.Text(description="from", placeholder="2024-05-01"), w.Text(description="to")
        models = w.SelectMultiple(options=opts("model"), description="model")
        versions = w.SelectMultiple(options=opts("prompt_version"), description="prompt")
        fb = w.Dropdown(options=["any", "negative", "not_negative", "with", "without"], description="feedback")
        cl_opts = [] if self.assignments is None else sorted(self.assignments["cluster"].unique().to_list())
        cls = w.SelectMultiple(options=cl_opts, description="cluster")
        listing, detail, status = w.Select(rows=12), w.HTML(), w.HTML()

        def update(_=None) -> None:
            try:
                df = self.filter(start=start.value or None, end=end.value or None, models=models.value,
                                 prompt_versions=versions.value, feedback=fb.value, clusters=cls.value)
            except (ValueError, TypeError, KeyError) as exc:
                status.value = f"<span style='color:#b00020'>{esc(exc)}</span>"
                return
            ids = df["trace_id"].to_list()
            status.value = f"{len(ids):,} traces" + (" (first 500 listed)" if len(ids) > 500 else "")
            listing.options = ids[:500]

        def show(change) -> None:
            if change["new"]:
                detail.value = self.trace_html(change["new"])

        for c in (start, end, models, versions, fb, cls):
            c.observe(update, names="value")
        listing.observe(show, names="value")
        update()
        self._ui = w.HBox([w.VBox([start, end, models, versions, fb, cls, status, listing]), detail])
        return self._ui

    def _repr_mimebundle_(self, **kwargs):
        return self.widget()._repr_mimebundle_(**kwargs)

"""Golden and regression datasets, and their CSV/JSONL round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._random import check_random_state
from feedback_lab._validation import check_in
from feedback_lab.transforms._common import as_list, output, pandas_input, warn
from feedback_lab.transforms._implicit import edited_text
from feedback_lab.transforms._negative import FAILING_LABELS, negative_mask, normalize_label
from feedback_lab.transforms._sampling import _stratified

__all__ = ["golden_dataset", "read_dataset", "regression_set", "write_dataset"]

KIND_PRIORITY = {"human": 0, "user": 1, "code": 2, "llm": 3}
GENERIC_LABELS = FAILING_LABELS | {"pass", "good", "thumbs_up", "positive", "correct", "yes", "ok"}


def _col(df: pd.DataFrame, c: str) -> pd.Series:
    return df[c] if c in df.columns else pd.Series([None] * len(df), index=df.index, dtype=object)


def _edits(events: Any, func: str) -> dict[str, str]:
    if events is None:
        return {}
    ev = pandas_input(events, ["trace_id", "event"], func=func, frame="events")
    if "timestamp" in ev.columns:
        ev = ev.sort_values("timestamp", kind="stable")
    ev = ev[ev["event"].astype("string").str.lower() == "edit"]
    return {str(t): e for t, p in zip(ev["trace_id"], _col(ev, "payload"), strict=False)
            if (e := edited_text(p)) is not None}


def _trace_labels(fb: pd.DataFrame, label_col: str) -> pd.DataFrame:
    """One label per trace: highest-priority annotator kind (human > user > code > llm), then latest."""
    fb = fb.assign(_neg=negative_mask(fb), _ord=np.arange(len(fb)))
    lab = _col(fb, label_col).astype(object)
    derived = np.where(fb["_neg"], "fail", "pass")
    has_value = pd.to_numeric(_col(fb, "value"), errors="coerce").notna()
    fb["_label"] = lab.where(lab.notna(), pd.Series(np.where(has_value, derived, None), index=fb.index))
    fb = fb[fb["_label"].notna()]
    fb["_prio"] = _col(fb, "annotator_kind").map(KIND_PRIORITY).fillna(len(KIND_PRIORITY))
    fb["_ts"] = _col(fb, "timestamp")
    fb = fb.sort_values(["_prio", "_ts", "_ord"], ascending=[True, False, False], kind="stable", na_position="last")
    first = fb.drop_duplicates("trace_id")
    return first.set_index(first["trace_id"].astype(str))[["_label", "_neg", "annotator_kind"]] \
        if "annotator_kind" in first.columns else first.set_index(first["trace_id"].astype(str))[["_label", "_neg"]]


def golden_dataset(traces: Any, feedback: Any, *, n: int | None = None, stratify_by: str | list[str] | None = None,
                   label_col: str = "label", balance: bool = True, events: Any = None,
                   random_state: Any = None) -> Any:
    """A labelled golden set: input, expected output, label and tags per trace.

    Parameters
    ----------
    traces : DataFrame
        Needs ``trace_id`` and ``input``; reads ``output``, ``reference``, ``tags`` and the
        ``stratify_by`` columns.
    feedback : DataFrame
        Canonical feedback. A trace's label is ``label_col`` of its highest-priority row
        (annotator kind human > user > code > llm, then the latest); rows with only a
        ``value`` give ``"fail"``/``"pass"`` by the negative rule. Traces without any label
        are not golden candidates.
    n : int, optional
        Size of the set (all candidates when None; fewer with a warning when not enough).
    stratify_by : str or list of str, optional
        Trace columns whose groups are represented in proportion.
    label_col : str
        Feedback column holding the label.
    balance : bool
        Undersample so that every label has as many traces (within the whole candidate set)
        before drawing ``n``; the draw is stratified over ``stratify_by`` and label.
    events : DataFrame, optional
        Canonical events: a user's ``edit`` gives the expected output.
    random_state : int, Generator or None

    Returns
    -------
    same kind as ``traces``
        ``trace_id, input, output, expected_output, expected_source, label, tags`` and the
        ``stratify_by`` columns. ``expected_output`` is the trace's ``reference`` if any,
        else the user-edited text, else the output itself when the label is not negative
        (a human-approved output), else null; ``expected_source`` says which
        (``reference``, ``edited``, ``approved_output``, null). ``tags`` is the trace's tags
        (a list) plus ``label:<label>``.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> tr = pd.DataFrame({"trace_id": ["t1", "t2", "t3"], "input": ["q1", "q2", "q3"], "output": ["a1", "a2", "a3"]})
    >>> fb = pd.DataFrame({"trace_id": ["t1", "t2"], "name": "verdict", "label": ["pass", "fail"],
    ...                    "annotator_kind": "human"})
    >>> g = fl.golden_dataset(tr, fb, random_state=0)
    >>> g[["trace_id", "expected_output", "label"]].values.tolist()
    [['t1', 'a1', 'pass'], ['t2', None, 'fail']]
    """
    strat = as_list(stratify_by)
    tr = pandas_input(traces, ["trace_id", "input", *strat], func="golden_dataset", frame="traces")
    fb = pandas_input(feedback, ["trace_id", label_col] if label_col != "label" else ["trace_id"],
                      func="golden_dataset", frame="feedback")
    tr = tr[~tr["trace_id"].astype(str).duplicated()]
    tr.index = pd.RangeIndex(len(tr))
    labels = _trace_labels(fb, label_col)
    ids = tr["trace_id"].astype(str)
    tr["label"] = ids.map(labels["_label"])
    tr["_neg"] = ids.map(labels["_neg"]).astype("boolean").fillna(False).astype(bool)
    pool = tr[tr["label"].notna()]
    rng = check_random_state(random_state)
    if balance and len(pool):
        from feedback_lab.transforms._balance import balance as _balance

        pool, _ = _balance(pool.assign(_row=pool.index), label_col="label", random_state=rng)
        pool = pool.set_index("_row")
    k = len(pool) if n is None else int(n)
    if k > len(pool):
        warn(f"golden_dataset: asked for n={k} but only {len(pool)} labelled trace(s) are available"
             f"{' after balancing' if balance else ''}.")
    picks = _stratified(pool, min(k, len(pool)), [*strat, "label"] if len(pool) else strat, rng)
    out = pool.loc[sorted(i for i, _ in picks)].copy()
    edits = _edits(events, "golden_dataset")
    ref, outp = _col(out, "reference"), _col(out, "output")
    edited = out["trace_id"].astype(str).map(edits)
    exp, src = [], []
    for r, e, o, neg in zip(ref, edited, outp, out["_neg"], strict=False):
        if pd.notna(r) and str(r) != "":
            exp.append(r), src.append("reference")
        elif pd.notna(e):
            exp.append(e), src.append("edited")
        elif pd.notna(o) and not neg:
            exp.append(o), src.append("approved_output")
        else:
            exp.append(None), src.append(None)
    out["expected_output"] = pd.Series(exp, index=out.index, dtype=object)
    out["expected_source"] = pd.Series(src, index=out.index, dtype=object)
    out["output"] = outp
    out["tags"] = [
        [*([str(t) for t in tg] if isinstance(tg, list | tuple | np.ndarray) else []), f"label:{lab}"]
        for tg, lab in zip(_col(out, "tags"), out["label"], strict=False)
    ]
    cols = ["trace_id", "input", "output", "expected_output", "expected_source", "label", "tags",
            *[c for c in strat if c not in ("label",)]]
    return output(out[cols], traces)


def regression_set(traces: Any, feedback: Any, *, negative_only: bool = True, by: str = "error_mode",
                   n_per_bucket: int | None = None, events: Any = None, random_state: Any = None) -> Any:
    """Traces users or reviewers flagged, bucketed by failure mode, for a regression suite.

    Parameters
    ----------
    traces : DataFrame
        Needs ``trace_id`` and ``input``; reads ``output``, ``reference``, ``timestamp`` and ``by``.
    feedback : DataFrame
        Canonical feedback; a trace is negative when any of its rows is (CONTRIBUTING.md rule).
    negative_only : bool
        Keep negative traces only (default); otherwise every trace with feedback
        (non-negative ones in bucket ``"no_error"`` when the mode comes from feedback).
    by : str
        Bucket column. For ``"error_mode"``: the ``error_mode`` column of ``traces`` when present
        (e.g. joined from ``cluster_failures`` assignments: ``trace_id, cluster, error_mode``);
        otherwise the first specific label on the trace's negative feedback (not a generic one
        such as ``fail``/``thumbs_down``), else its first comment (lower-cased, at most 60
        characters), else ``"unspecified"``. Any other ``by`` must be a column of ``traces``.
    n_per_bucket : int, optional
        At most this many traces per bucket (random, reproducible with ``random_state``).
    events : DataFrame, optional
        Canonical events; a user's ``edit`` gives the expected output when there is no reference.
    random_state : int, Generator or None

    Returns
    -------
    same kind as ``traces``
        ``<by>, trace_id, input, output, expected_output, n_negative, comments``, sorted by bucket
        size (largest first), bucket name, then trace order.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> tr = pd.DataFrame({"trace_id": ["t1", "t2", "t3"], "input": ["q1", "q2", "q3"]})
    >>> fb = pd.DataFrame({"trace_id": ["t1", "t2", "t3"], "name": "issue",
    ...                    "label": ["hallucination", "format", "pass"], "value": [0.0, 0.0, 1.0]})
    >>> fl.regression_set(tr, fb)[["error_mode", "trace_id"]].values.tolist()
    [['format', 't2'], ['hallucination', 't1']]
    """
    need = [by] if by != "error_mode" else []
    tr = pandas_input(traces, ["trace_id", "input", *need], func="regression_set", frame="traces")
    fb = pandas_input(feedback, ["trace_id"], func="regression_set", frame="feedback")
    fb = fb.assign(_neg=negative_mask(fb), _tid=fb["trace_id"].astype(str))
    tr = tr[~tr["trace_id"].astype(str).duplicated()].copy()
    ids = tr["trace_id"].astype(str)
    n_neg = fb.groupby("_tid")["_neg"].sum()
    tr["n_negative"] = ids.map(n_neg)
    keep = tr["n_negative"] > 0 if negative_only else tr["n_negative"].notna()
    tr = tr[keep.fillna(False).astype(bool)].copy()
    tr["n_negative"] = tr["n_negative"].astype("int64")
    neg_fb = fb[fb["_neg"]]
    comments = neg_fb.dropna(subset=["comment"]) if "comment" in neg_fb.columns else neg_fb.iloc[0:0].assign(comment=None)
    tr["comments"] = ids.map(comments.groupby("_tid")["comment"].agg(lambda s: " | ".join(map(str, s))))
    if by == "error_mode" and "error_mode" not in tr.columns:
        lab = normalize_label(_col(neg_fb, "label"))
        specific = neg_fb[lab.notna() & ~lab.isin(GENERIC_LABELS)]
        first_label = specific.groupby("_tid")["label"].first() if len(specific) else pd.Series(dtype=object)
        first_comment = comments.groupby("_tid")["comment"].first().astype(str).str.strip().str.lower().str[:60] \
            if len(comments) else pd.Series(dtype=object)
        ids = tr["trace_id"].astype(str)
        mode = ids.map(first_label).combine_first(ids.map(first_comment))
        fallback = np.where(tr["n_negative"] > 0, "unspecified", "no_error")
        tr["error_mode"] = mode.where(mode.notna(), pd.Series(fallback, index=tr.index)).astype(object)
    if n_per_bucket is not None and len(tr):
        rng = check_random_state(random_state)
        parts = [g.iloc[np.sort(rng.permutation(len(g))[:n_per_bucket])] for _, g in tr.groupby(by, dropna=False, sort=False)]
        tr = pd.concat(parts) if parts else tr
    edits = _edits(events, "regression_set")
    ref = _col(tr, "reference")
    tr["expected_output"] = ref.where(ref.notna() & (ref.astype("string") != ""),
                                      tr["trace_id"].astype(str).map(edits)).astype(object)
    tr["output"] = _col(tr, "output")
    tr["_size"] = tr.groupby(by, dropna=False)["trace_id"].transform("size")
    tr["_ord"] = np.arange(len(tr))
    tr = tr.sort_values(["_size", by, "_ord"], ascending=[False, True, True], kind="stable", na_position="last")
    cols = [by, "trace_id", "input", "output", "expected_output", "n_negative", "comments"]
    return output(tr[cols], traces)


def write_dataset(df: Any, path: str | Path) -> Path:
    """Write a dataset to ``.csv`` or ``.jsonl`` so that :func:`read_dataset` reads it back identically.

    In CSV, list columns (``tags``) are written as JSON arrays and nulls as empty fields
    (an empty string is written as ``""``); datetimes as ISO 8601 with offset.

    Examples
    --------
    >>> import polars as pl, tempfile, os, feedback_lab as fl
    >>> df = pl.DataFrame({"trace_id": ["t1"], "tags": [["a", "b"]], "score": [0.5]})
    >>> p = fl.write_dataset(df, os.path.join(tempfile.mkdtemp(), "golden.csv"))
    >>> fl.read_dataset(p).equals(df)
    True
    """
    import polars as pl

    from feedback_lab._frame import to_polars

    path = Path(path)
    fmt = _format(path, "write_dataset")
    pl_df = to_polars(df)
    if fmt == "jsonl":
        pl_df.write_ndjson(path)
        return path
    exprs = [pl.col(c).map_elements(lambda v: json.dumps(list(v), ensure_ascii=False), return_dtype=pl.String)
             for c, t in pl_df.schema.items() if isinstance(t, pl.List | pl.Array)]
    bad = [c for c, t in pl_df.schema.items() if isinstance(t, pl.Struct | pl.Object)]
    if bad:
        msg = f"write_dataset: columns {bad} hold nested records that CSV cannot keep; write .jsonl instead."
        raise ValueError(msg)
    (pl_df.with_columns(exprs) if exprs else pl_df).write_csv(path)
    return path


def _format(path: Path, func: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    msg = f"{func}: {path} must end in .csv or .jsonl (got {suffix or 'no suffix'!r})."
    raise ValueError(msg)


def read_dataset(path: str | Path, *, backend: str = "polars", list_cols: list[str] | None = None) -> Any:
    """Read a dataset written by :func:`write_dataset` (``.csv`` or ``.jsonl``).

    Parameters
    ----------
    path : str or Path
    backend : {"polars", "pandas"}
    list_cols : list of str, optional
        CSV columns holding JSON arrays; by default every string column whose values are all
        JSON arrays of strings (as :func:`write_dataset` writes list columns).

    Returns
    -------
    polars or pandas DataFrame
    """
    import polars as pl

    check_in(backend, ["polars", "pandas"], name="backend", func="read_dataset")
    path = Path(path)
    fmt = _format(path, "read_dataset")
    if not path.is_file():
        msg = f"read_dataset: no such file {path}."
        raise FileNotFoundError(msg)
    if fmt == "jsonl":
        df = pl.read_ndjson(path) if path.stat().st_size else pl.DataFrame()
        iso = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$"
        conv = [pl.col(c).str.to_datetime(time_zone="UTC", time_unit="us") for c, t in df.schema.items()
                if t == pl.String and df[c].drop_nulls().len() and df[c].drop_nulls().str.contains(iso).all()]
        df = df.with_columns(conv) if conv else df
    else:
        df = pl.read_csv(path, try_parse_dates=True) if path.stat().st_size else pl.DataFrame()
        cols = list_cols
        if cols is None:
            cols = [c for c, t in df.schema.items() if t == pl.String and _all_json_lists(df[c])]
        df = df.with_columns([pl.col(c).str.json_decode(pl.List(pl.String)) for c in cols]) if cols else df
    return df.to_pandas() if backend == "pandas" else df


def _all_json_lists(s) -> bool:
    vals = s.drop_nulls()
    if not len(vals) or not vals.str.starts_with("[").all() or not vals.str.ends_with("]").all():
        return False
    try:
        return all(isinstance(x := json.loads(v), list) and all(isinstance(e, str) for e in x) for v in vals)
    except ValueError:
        return False

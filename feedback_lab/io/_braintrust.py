"""Braintrust: ``bt sync pull`` JSONL parts, BTQL ``fmt: json`` responses, REST fetch responses, the
cloud-storage export of project logs (JSONL or Parquet) and the Logs/Experiments pages' CSV download.

One row per span (``id``, ``span_id``, ``root_span_id`` = trace id, ``span_parents``,
``span_attributes{name,type,purpose}``, ``input``, ``output``, ``expected``, ``error``, ``scores``,
``metadata``, ``tags``, ``metrics{start,end,prompt_tokens,completion_tokens,estimated_cost}``,
``created``). ``{"data": [...]}`` (BTQL) and ``{"events": [...]}`` (fetch) envelopes are unwrapped.
In Parquet and CSV files a row is such a record, its structured fields (``scores``, ``metrics``,
``metadata``, ``span_attributes``...) held as JSON text, Parquet structs or flattened ``scores.x``
columns (:mod:`feedback_lab.io._table_records`); input, output and expected stay as written.

Mapping:

- spans: kind ``span_attributes.type``; model ``metadata.model``; tokens from ``metrics``; start/end
  ``metrics.start``/``metrics.end`` (epoch seconds; ``created`` when absent); status ``error`` when
  ``error`` is set, else ``ok``; latency excludes scorer/review spans (they run after the answer);
- traces (reduced per ``root_span_id``): root input/output (message lists reduced to their text,
  other JSON kept as JSON text), ``expected`` -> reference, ``metadata.user_id``/``session_id`` ->
  user/session, ``metadata.prompt.version`` (or ``prompt_version``) -> prompt_version,
  ``metrics.estimated_cost`` (or a BTQL ``cost`` column) summed -> cost; the rest of the root
  metadata -> metadata. Scoring spans (``purpose == "scorer"``, which the SDKs propagate to every
  span under a scorer, e.g. the judge's LLM call, and score/review/classifier spans) are kept in
  ``spans`` but left out of the trace's model, tokens, cost and latency, as Braintrust does;
- feedback, one row per ``scores`` entry (null scores are skipped): on scorer spans
  (``type == "score"`` / ``purpose == "scorer"``) annotator_kind ``llm`` when the scorer left a
  ``rationale``/``choice`` in its metadata (autoevals LLM classifiers, rationale -> comment), else
  ``code``; on review spans (``type == "review"``) ``human``; scores merged onto other rows are
  ``user`` feedback in project logs (``logFeedback``) and ``code`` in experiments. A score merged
  onto a row that a scorer/review span of the same trace also reports is the same result and is
  counted once. Comment rows (``comment.text`` with ``origin.id``) and ``comments`` entries ->
  ``name="comment"`` rows by a human (by a ``user`` when logged with ``_audit_source`` ``external``,
  ``logFeedback``'s default); each ``classifications`` item (classifier name -> ``[{id, label,
  confidence, metadata, source}]``) -> a row named after the classifier, label = its label,
  value = its confidence (:mod:`feedback_lab.io._braintrust_classifications`). Several versions
  of one ``id``: the highest ``_xact_id`` (else the last) wins, as in Braintrust; the others are
  listed in ``rejects`` as superseded.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

from feedback_lab.io._braintrust_classifications import classification_rows, judged_by_llm
from feedback_lab.io._common import Rejects, is_parquet, parquet_columns
from feedback_lab.io._platform_common import (
    BadRecord,
    as_float,
    as_int,
    as_str,
    denormalize,
    jdump,
    json_records,
    text_of,
)
from feedback_lab.io._platform_frames import assemble
from feedback_lab.io._registry import Format
from feedback_lab.io._table_records import is_table, table_records

__all__ = ["FORMAT", "read"]

NAME = "braintrust"
_META_CONSUMED = ("model", "user_id", "session_id", "prompt_version", "provider", "prompt")
#: the structured fields of a span row, which a Parquet or CSV export holds as JSON text, as structs or as
#: flattened ``a.b`` columns (input, output and expected stay as written: text that reads as JSON may be the answer)
_NESTED = frozenset({"scores", "classifications", "metadata", "metrics", "span_attributes", "span_parents", "tags", "context", "origin",
                     "comment", "comments", "_audit_metadata", "_audit_source"})
#: span types whose work is judging the answer, not producing it
_SCORING_TYPES = ("score", "review", "classifier", "facet")


def _dict(v: Any, what: str) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise BadRecord(f"{what} must be an object, got {type(v).__name__}")
    return v


def _iso_ok(v: Any) -> str | None:
    """``created`` if it parses as ISO 8601, else ``None`` (SDK snapshots hold placeholders)."""
    if v is None:
        return None
    if not isinstance(v, str):
        raise BadRecord(f"created must be a string, got {type(v).__name__}")
    try:
        dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return v


def _epoch(v: Any, what: str) -> str | None:
    f = as_float(v, what)
    return None if f is None or f <= 0 else repr(f)


def _span_row(rec: dict, bad_created: list[int]) -> dict:
    rid = as_str(rec.get("id"), "id")
    sid = as_str(rec.get("span_id"), "span_id") or rid
    if sid is None:
        raise BadRecord("row has neither span_id nor id")
    root = as_str(rec.get("root_span_id"), "root_span_id") or sid
    parents = rec.get("span_parents")
    if parents is not None and not (isinstance(parents, list) and all(isinstance(p, str) for p in parents)):
        raise BadRecord("span_parents must be a list of strings")
    sa = _dict(rec.get("span_attributes"), "span_attributes")
    m = _dict(rec.get("metrics"), "metrics")
    meta = _dict(rec.get("metadata"), "metadata")
    created = _iso_ok(rec.get("created"))
    if rec.get("created") is not None and created is None:
        bad_created.append(1)
    start = _epoch(m.get("start"), "metrics.start") or created
    end = _epoch(m.get("end"), "metrics.end")
    tags = rec.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise BadRecord("tags must be a list of strings")
    prompt = meta.get("prompt") if isinstance(meta.get("prompt"), dict) else {}
    rest = {k: v for k, v in meta.items() if k not in _META_CONSUMED}
    cost = m.get("estimated_cost", rec.get("cost"))
    scoring = sa.get("purpose") == "scorer" or sa.get("type") in _SCORING_TYPES
    return {
        "span_id": sid, "trace_id": root, "parent_id": parents[0] if parents else None,
        "kind": as_str(sa.get("type"), "span_attributes.type"), "name": as_str(sa.get("name"), "span_attributes.name"),
        "start": start, "end": end, "model": as_str(meta.get("model"), "metadata.model"),
        "input": text_of(rec.get("input"), "input"), "output": text_of(rec.get("output"), "output"),
        "input_tokens": as_int(m.get("prompt_tokens", m.get("input_tokens")), "metrics.prompt_tokens"),
        "output_tokens": as_int(m.get("completion_tokens", m.get("output_tokens")), "metrics.completion_tokens"),
        "status": "error" if rec.get("error") not in (None, "", {}) else "ok",
        "attributes": jdump({k: rec[k] for k in ("span_attributes", "metrics", "context", "origin", "project_id",
                                                 "experiment_id", "log_id", "error") if rec.get(k) is not None}),
        "session_id": as_str(meta.get("session_id"), "metadata.session_id"),
        "user_id": as_str(meta.get("user_id"), "metadata.user_id"),
        "prompt_version": as_str(prompt.get("version", meta.get("prompt_version")), "prompt version"),
        "reference": text_of(rec.get("expected"), "output"),
        "tags": tags, "metadata": jdump(rest) if rest else None,
        "cost": None if scoring else as_float(cost, "estimated_cost"),
        "_row_id": rid, "_sa": sa, "_meta": meta, "_experiment": "experiment_id" in rec,
        "_created": created or (end and repr(float(end))),
    }


def _feedback(row: dict, scores: Any) -> list[dict]:
    scores = _dict(scores, "scores")
    sa, meta = row.pop("_sa"), row.pop("_meta")
    typ = sa.get("type")
    scorer = typ == "score" or sa.get("purpose") == "scorer"
    out = []
    for name, v in scores.items():
        val = as_float(v, f"scores[{name!r}]")
        if val is None:
            continue
        if scorer:
            llm = judged_by_llm(meta)
            kind, comment = ("llm" if llm else "code"), meta.get("rationale")
        elif typ == "review":
            kind, comment = "human", meta.get("comment")
        else:
            kind, comment = ("code" if row["_experiment"] else "user"), None
        out.append({"trace_id": row["trace_id"], "span_id": row["parent_id"] if (scorer or typ == "review")
                    else row["span_id"], "name": str(name), "value": val, "label": None,
                    "comment": comment if isinstance(comment, str) and comment else None, "annotator_kind": kind,
                    "annotator": as_str(meta.get("annotator", meta.get("reviewer")), "annotator")
                    if typ == "review" else sa.get("name") if scorer else None,
                    "timestamp": row["_created"], "metadata": None, "_scorer": scorer or typ == "review"})
    return out


def _comment_author(rec: dict) -> tuple[str, str | None]:
    """Annotator kind and id of a comment row: ``logFeedback(comment=..., source="external")`` (the
    SDK's default, the application's end users) -> ``user``; the UI (``app``) and ``api`` -> ``human``;
    ``_audit_metadata.user_id`` names the author."""
    meta = rec.get("_audit_metadata")
    who = meta.get("user_id") if isinstance(meta, dict) and isinstance(meta.get("user_id"), str) else None
    return ("user" if rec.get("_audit_source") == "external" else "human"), who


def _comment_text(c: Any) -> str | None:
    if isinstance(c, str):
        return c
    if isinstance(c, dict):
        t = c.get("text", c.get("comment"))
        if isinstance(t, dict):
            t = t.get("text")
        return t if isinstance(t, str) else None
    return None


def read(paths: list[Path], **options: Any) -> dict[str, Any]:
    """Read Braintrust span rows; see the module docstring for the mapping."""
    rejects = Rejects(NAME)
    paths = [Path(p) for p in paths]
    tables = [p for p in paths if is_table(p)]
    recs: list[tuple[Any, int, Any, dict]] = list(json_records([p for p in paths if p not in tables], rejects,
                                                               envelopes=("data", "events"), nest=True))
    for p in tables:  # cloud-storage Parquet exports and the app's CSV downloads: rows as records
        csv = not is_parquet(p)  # a CSV cell is text: the objects of pandas.json_normalize columns are decoded
        recs.extend((f, line, raw, denormalize(rec, decode=csv))
                    for f, line, raw, rec in table_records(p, rejects, json_fields=_NESTED))
    # versions of one id: highest _xact_id (else last) wins
    best: dict[str, int] = {}
    for i, (_, _, _, rec) in enumerate(recs):
        rid = rec.get("id")
        if isinstance(rid, str) and "comment" not in rec:
            j = best.get(rid)
            if j is None or str(recs[j][3].get("_xact_id", "")).zfill(24) <= str(rec.get("_xact_id", "")).zfill(24):
                best[rid] = i
    refs, spans, feedback, comments, labels, bad_created = [], [], [], [], [], []
    for i, (path, line, raw, rec) in enumerate(recs):
        rid = rec.get("id")
        if isinstance(rid, str) and "comment" not in rec and best[rid] != i:
            p2, l2 = recs[best[rid]][0], recs[best[rid]][1]
            rejects.add(path, line, f"superseded: a later version of id {rid!r} is at {p2}:{l2}", raw or rec)
            continue
        refs.append(rec)
        book = {"_file": str(path), "_line": line, "_ref": len(refs) - 1}
        try:
            if isinstance(rec.get("comment"), (dict, str)) and not rec.get("span_id"):
                origin = _dict(rec.get("origin"), "origin")
                comments.append((as_str(origin.get("id"), "origin.id"), _comment_text(rec["comment"]),
                                 _iso_ok(rec.get("created")), {**book, "_by": _comment_author(rec)}))
                continue
            row = _span_row(rec, bad_created)
            fbs = _feedback(row, rec.get("scores"))
            cls = classification_rows(row, rec.get("classifications"))
            for c in rec.get("comments") or []:
                comments.append((row["_row_id"], _comment_text(c), None, {**book, "_by": ("human", None)}))
        except (BadRecord, RecursionError) as exc:
            rejects.add(path, line, str(exc) if isinstance(exc, BadRecord) else "nested too deeply", raw or rec)
            continue
        row.update(book)
        spans.append(row)
        feedback.extend({**f, **book} for f in fbs)
        labels.extend({**f, **book} for f in cls)
    # a score merged onto a row and also reported by its scorer/review span counts once
    scored = {(f["trace_id"], f["name"]) for f in feedback if f["_scorer"]}
    feedback = [f for f in feedback if f["_scorer"] or (f["trace_id"], f["name"]) not in scored] + labels
    by_row = {r["_row_id"]: r for r in spans if r["_row_id"] is not None}
    for origin_id, text, created, book in comments:
        if text is None:
            continue  # an entry without text (Braintrust leaves the shape open) carries no feedback
        target = by_row.get(origin_id)
        (kind, author), book = book["_by"], {k: v for k, v in book.items() if k != "_by"}
        feedback.append({"trace_id": target["trace_id"] if target else None,
                         "span_id": target["span_id"] if target else origin_id, "name": "comment",
                         "value": None, "label": None, "comment": text, "annotator_kind": kind,
                         "annotator": author, "timestamp": created, "metadata": None, **book})
    if bad_created:
        warnings.warn(f"{NAME}: {len(bad_created)} row(s) have a 'created' value that is not a timestamp "
                      "(SDK snapshots use placeholders); their time comes from metrics.start/end or stays empty.",
                      UserWarning, stacklevel=2)
    out = assemble(NAME, spans, feedback, rejects, refs)
    return _without_scorers(out)


def _without_scorers(out: dict[str, Any]) -> dict[str, Any]:
    """Model, tokens and latency of a trace from its spans that are not scoring spans.

    Scorer and review spans run after the answer, and the LLM calls of an LLM judge are spans
    under the scorer span carrying ``span_attributes.purpose = "scorer"`` (the SDKs propagate it):
    they must not make the judge's model the trace's model nor add its tokens.
    """
    import polars as pl

    from feedback_lab.io._spans import traces_from_spans

    if out["traces"] is None or out["spans"] is None:
        return out
    spans = out["spans"]
    purpose = pl.col("attributes").str.json_path_match("$.span_attributes.purpose")
    scoring = (pl.col("kind") == "evaluator").fill_null(False) | (purpose == "scorer").fill_null(False)
    if not spans.select(scoring.any()).item():
        return out
    kept = spans.filter(~scoring)
    cols = ["model", "input_tokens", "output_tokens"]
    redo = traces_from_spans(kept).select("trace_id", *cols, pl.col("latency_ms").alias("_lat"),
                                          pl.lit(True).alias("_redo"))
    t = out["traces"].drop(cols).join(redo, on="trace_id", how="left", maintain_order="left")
    out["traces"] = t.with_columns(
        [pl.when(pl.col("_redo")).then(pl.col(c)).otherwise(pl.lit(None, t.schema[c])).alias(c) for c in cols]
        + [pl.coalesce("_lat", "latency_ms").alias("latency_ms")]
    ).drop("_lat", "_redo").select(out["traces"].columns)
    return out


def sniff(path: Path, head: bytes) -> float:
    """Confidence that ``path`` is a Braintrust export."""
    if head[:4] == b"PAR1":  # a cloud-storage export: the column names are in the footer
        cols = set(parquet_columns(path) or ())
        return 0.9 if {"root_span_id", "span_id"} <= cols else 0.0
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if first[:1] not in (b"{", b"[") and {b"root_span_id", b"span_id"} <= {c.strip(b' "\r') for c in first.split(b",")}:
        return 0.9  # the app's CSV download
    if b'"root_span_id"' in head and (b'"span_attributes"' in head or b'"span_parents"' in head
                                      or b'"scores"' in head):
        return 0.95
    if b'"root_span_id"' in head:
        return 0.7
    return 0.0


FORMAT = Format(
    name=NAME,
    description="Braintrust: bt sync pull JSONL, BTQL/fetch JSON, cloud-storage JSONL/Parquet exports, CSV downloads",
    sniff=sniff,
    read=read,
    extensions=(".jsonl", ".json", ".parquet", ".csv", ".gz"),
    reads_together=True,
)

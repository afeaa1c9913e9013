"""LangSmith experiment results as the SDK tabulates them -> canonical traces and feedback, for
:mod:`feedback_lab.io._langsmith`.

Two SDK calls give an experiment (an ``evaluate()`` run over a dataset) as a pandas frame, which
users save with ``to_csv()`` or ``to_parquet()`` to review the evaluators' scores:

- ``evaluate(...).to_pandas()`` (``ExperimentResults``): a row per example run, with columns
  ``inputs.<key>``, ``outputs.<key>``, ``error``, ``reference.<key>`` (the example's expected
  outputs), ``feedback.<evaluator key>`` (its score, else its value), ``execution_time`` (seconds),
  ``example_id`` and ``id`` (the run);
- ``client.get_test_results(project_name=...)``: the same for a finished experiment, with
  ``input.<key>`` (singular), ``feedback.<key>`` the *average* score of the key over the run's
  feedback, ``notes`` (the comments of ``note`` feedback), indexed by ``example_id``.

Each row is one trace (``trace_id`` = the root run's id, which LangSmith also uses as its trace id):
its input and output as readable text, ``reference`` from the example's outputs, ``latency_ms`` from
``execution_time``, ``status`` error when ``error`` is set, and the ``example_id`` in the metadata.
Each ``feedback.<key>`` cell is one feedback row (a number is the value, anything else the label);
the frame does not say whether an evaluator is an LLM judge or code, so the annotator kind is left
unknown. Each note is a feedback row named ``note`` (annotator kind human: notes are written in
the UI). The frame has no times: traces have no timestamp.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import (
    Rejects,
    csv_separator,
    is_parquet,
    loads_deep,
    parquet_columns,
)
from feedback_lab.io._messages import to_text
from feedback_lab.io._platform_common import denormalize, json_records
from feedback_lab.io._registry import read_head
from feedback_lab.io._table_records import table_records

__all__ = ["experiment_columns", "is_experiment_table", "read_experiments"]

_PREFIXES = ("inputs.", "input.", "outputs.")


def experiment_columns(cols) -> bool:
    """Whether column names are those of an experiment results frame.

    Examples
    --------
    >>> experiment_columns(["inputs.question", "outputs.answer", "reference.answer", "feedback.correctness",
    ...                     "execution_time", "example_id", "id"])
    True
    >>> experiment_columns(["id", "inputs", "outputs", "run_type"])
    False
    """
    cols = [str(c) for c in cols]
    return "execution_time" in cols and "id" in cols and any(c.startswith(_PREFIXES) for c in cols)


def is_experiment_table(path: Path) -> bool:
    """Whether ``path`` holds experiment results (Parquet, CSV, or their JSON lines)."""
    if is_parquet(path):
        return experiment_columns(parquet_columns(path) or ())
    head = read_head(path, 64 * 1024)
    if b"execution_time" not in head:  # checked first: a large run file is not parsed here
        return False
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    if first.lstrip()[:1] == "{":
        try:
            rec = json.loads(first)
        except (ValueError, RecursionError):  # a cut line (over 64 KiB), or nested too deeply
            return False
        return isinstance(rec, dict) and experiment_columns(rec)
    return experiment_columns(c.strip(' "\r') for c in first.split(csv_separator(head, path)))


def _rows(path: Path, rejects: Rejects):
    if is_parquet(path):
        yield from ((line, rec, denormalize(rec)) for _, line, _, rec in table_records(path, rejects, json_fields=frozenset()))
    elif read_head(path, 4096).lstrip()[:1] in (b"{", b"["):
        yield from ((line, raw or rec, rec) for _, line, raw, rec in json_records([path], rejects, nest=True))
    else:
        yield from ((line, rec, denormalize(rec, decode=True))
                    for _, line, _, rec in table_records(path, rejects, json_fields=frozenset()))


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def read_experiments(paths: list[Path], rejects: Rejects) -> tuple[list[dict], list[dict], list[Any]]:
    """``(trace rows, feedback rows, raw records)`` of experiment results files (see the module docstring),
    for :func:`feedback_lab.io._platform_frames.assemble_traces`."""
    traces, feedback, refs = [], [], []
    for path in paths:
        for line, raw, rec in _rows(path, rejects):
            rid = rec.get("id")
            if rid in (None, ""):
                rejects.add(path, line, "experiment row without a run id ('id')", raw)
                continue
            refs.append(raw)
            book = {"_file": str(path), "_line": line, "_ref": len(refs) - 1}
            tid = str(rid)
            seconds = _number(rec.get("execution_time"))
            error = rec.get("error")
            meta = {k: str(rec[k]) for k in ("example_id",) if rec.get(k) not in (None, "")}
            inputs = rec.get("inputs", rec.get("input"))
            traces.append({
                "trace_id": tid, "input": to_text(inputs, "input"), "output": to_text(rec.get("outputs"), "output"),
                "reference": to_text(rec.get("reference"), "output"),
                "latency_ms": None if seconds is None else seconds * 1000.0,
                "status": "error" if error not in (None, "") else "ok",
                "metadata": json.dumps(meta) if meta else None, **book})
            scores = rec.get("feedback")
            for key, value in (scores.items() if isinstance(scores, dict) else ()):
                if value in (None, ""):
                    continue
                num = _number(value)
                feedback.append({"trace_id": tid, "name": str(key), "value": num,
                                 "label": None if num is not None else str(value), **book})
            notes = loads_deep(rec.get("notes"))
            for note in notes if isinstance(notes, list) else [notes] if isinstance(notes, str) and notes else []:
                feedback.append({"trace_id": tid, "name": "note", "comment": str(note), "annotator_kind": "human",
                                 **book})
    return traces, feedback, refs

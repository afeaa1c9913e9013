"""Exports held in a pandas frame and saved with ``DataFrame.to_json()`` (feedback_lab/io/_pandas_json.py).

A user who turned runs, spans or requests into a frame (``pd.DataFrame([r.dict() for r in runs])``) and
saved it with pandas' default ``to_json()`` gets ``{column: {index: value}}``; the other whole-document
orients are ``index``, ``split`` and ``table``. Each must read exactly as the records it was made from.
The records are the vendored real exports (tests/data/io/real, tests/data/io/platforms).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import feedback_lab as fl
from feedback_lab.io._pandas_json import pandas_json_rows, range_frame_rows

DATA = Path(__file__).resolve().parents[1] / "data" / "io"
EXPORTS = {"langsmith": DATA / "real" / "langsmith" / "runs_json.jsonl",
           "braintrust": DATA / "real" / "braintrust" / "logs_sync_pull.jsonl",
           "helicone": DATA / "platforms" / "helicone" / "ui_requests_export_data.RECONSTRUCTED.jsonl"}
ORIENTS = ["columns", "index", "split", "table"]


@pytest.mark.parametrize("orient", ORIENTS)
@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_a_frame_of_records_saved_with_to_json_reads_as_the_records(fmt, orient, tmp_path):
    src = EXPORTS[fmt]
    frame = pd.DataFrame([json.loads(line) for line in src.read_text().splitlines() if line.strip()])
    path = tmp_path / f"{fmt}.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame.to_json(path, orient=orient, date_format="iso")
    assert fl.sniff_format(path) == fmt
    got, want = fl.read_traces(path), fl.read_traces(src, format=fmt)
    assert len(got.traces) == len(want.traces) > 0 and got.rejects.is_empty()
    for name in ("traces", "spans", "feedback"):
        assert getattr(got, name).equals(getattr(want, name)), name


def test_objects_keyed_by_id_are_not_taken_for_a_frame():
    runs = {"run-1": {"id": "run-1", "name": "chat"}, "run-2": {"id": "run-2", "name": "tool"}}
    assert range_frame_rows(runs) is None
    # the "columns" orient with an index of ids is a frame, but the reader cannot tell it has no id column
    assert range_frame_rows({"name": {"run-1": "chat", "run-2": "tool"}}) is None


@pytest.mark.parametrize("doc", [
    {"columns": ["a", "b"], "index": [0], "data": [[1]]},  # a row shorter than the columns
    {"columns": ["a"], "index": [0, 1], "data": [[1]]},  # more labels than rows
    {"a": {"0": 1}, "b": {"1": 2}},  # columns over different labels
    {"a": {}, "b": {}},
    {"data": [{"a": 1}], "schema": {"type": "array"}},  # a JSON schema, not pandas' table schema
])
def test_documents_that_only_look_like_frames_are_left_alone(doc):
    assert pandas_json_rows(doc, lambda c: not c.isdigit()) is None
    assert range_frame_rows(doc) is None


@pytest.mark.parametrize("index", [False, True])
@pytest.mark.parametrize("fmt", ["langsmith", "braintrust"])
def test_a_frame_of_records_saved_with_to_csv_reads_as_the_records(fmt, index, tmp_path):
    # to_csv writes a nested field as its Python repr ({'question': 'How do I ...?'}), quotes and None included
    src = EXPORTS[fmt]
    frame = pd.DataFrame([json.loads(line) for line in src.read_text().splitlines() if line.strip()])
    path = tmp_path / f"{fmt}.csv"
    frame.to_csv(path, index=index)
    got, want = fl.read_traces(path, format=fmt), fl.read_traces(src, format=fmt)
    assert len(got.traces) == len(want.traces) > 0 and got.rejects.is_empty()
    for name in ("traces", "spans", "feedback"):
        assert getattr(got, name).equals(getattr(want, name)), name


def test_an_answer_that_reads_as_a_python_dict_keeps_its_text_in_a_platform_csv(tmp_path):
    # a CSV written by a platform holds its nested fields as JSON: no cell of it is taken for a Python repr
    src = EXPORTS["braintrust"]
    rows = [json.loads(line) for line in src.read_text().splitlines() if line.strip()]
    rows[0]["output"] = "{'answer': 'Paris'}"  # what the model wrote, verbatim
    frame = pd.DataFrame([{k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in r.items()} for r in rows])
    path = tmp_path / "braintrust.csv"
    frame.to_csv(path, index=False)
    ts = fl.read_traces(path, format="braintrust")
    assert "{'answer': 'Paris'}" in ts.spans["output"].to_list()


def test_numpy_array_reprs_are_not_read_as_concatenated_strings():
    import polars as pl

    from feedback_lab.io._platform_frames import python_repr_cells

    cells = ["['weather' 'prod']", "['a', 'b']", "{'k': ['x' 'y']}"]
    got = python_repr_cells(pl.DataFrame({"tags": cells}))["tags"].to_list()
    assert got == ["['weather' 'prod']", '["a", "b"]', "{'k': ['x' 'y']}"]  # numpy's repr left for its reader

"""Braintrust rows in Parquet and CSV: the cloud-storage export (JSONL or Parquet, "Export to cloud
storage", braintrust.dev/docs/admin/automations/export-to-cloud-storage) and the Logs/Experiments
pages' "JSON or CSV" download (braintrust.dev/docs/annotate/export). A table cannot nest, so the
structured fields arrive as JSON text, as Parquet structs or as flattened ``scores.x`` columns;
every variant must load to what the same rows give as JSONL."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import polars as pl
import pytest
from _helpers_platforms import load, sniffed

from feedback_lab.exceptions import UnreadableFileError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "exports" / "braintrust" / "part-000000.jsonl.gz"
STRUCTURED = ("scores", "metadata", "metrics", "span_attributes")


@pytest.fixture(scope="module")
def rows():
    """The first 600 rows of the sample's Braintrust export. Metadata keys holding "" or null are left
    out: a flattened CSV cannot tell them from absent keys (an empty cell), and the loader reads a
    scorer with a ``rationale`` key as an LLM judge even when the rationale is empty."""
    out = [json.loads(line) for line in gzip.open(SAMPLE, "rt", encoding="utf-8")][:600]
    for r in out:
        if isinstance(r.get("metadata"), dict):
            r["metadata"] = {k: v for k, v in r["metadata"].items() if v not in ("", None)}
    return out


@pytest.fixture(scope="module")
def reference(rows, tmp_path_factory):
    p = tmp_path_factory.mktemp("bt") / "rows.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return _read(p)


def _read(p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load(p, "braintrust")


def _text_table(rows):
    """Every JSON value that is not a string or a boolean as JSON text; strings as written."""
    enc = [{k: json.dumps(v) if v is not None and not isinstance(v, (str, bool)) else v for k, v in r.items()}
           for r in rows]
    keys = sorted({k for r in enc for k in r})
    return pl.DataFrame([{k: r.get(k) for k in keys} for r in enc],
                        schema={k: pl.Boolean if k == "is_root" else pl.String for k in keys})


def _structs(table, cols):
    """JSON text columns -> struct columns (keys over all rows, absent keys null)."""
    return [pl.Series(c, [json.loads(v) if v is not None else None for v in table[c]], strict=False) for c in cols]


def _same(a, b):
    for frame in ("traces", "spans", "feedback"):
        x, y = getattr(a, frame), getattr(b, frame)
        key = [c for c in ("trace_id", "span_id", "name", "annotator_kind") if c in x.columns]
        x, y = x.sort(key, nulls_last=True), y.select(x.columns).sort(key, nulls_last=True)
        assert len(x) == len(y), frame
        diff = [c for c in x.columns if not x[c].equals(y[c])]
        assert not diff, f"{frame}: {diff}: {x[diff[0]].head(2).to_list()} vs {y[diff[0]].head(2).to_list()}"
    assert len(b.rejects) == len(a.rejects) == 0


def test_sample_rows_cover_the_cases(reference):
    # the comparison below means something only if the rows hold spans trees, scores and comments
    assert len(reference.traces) > 50 and len(reference.spans) > len(reference.traces)
    assert {"llm", "code"} <= set(reference.feedback["annotator_kind"])


@pytest.mark.parametrize("kind", ["parquet_text", "parquet_structs", "csv", "csv_flat"])
def test_table_exports_load_like_jsonl(rows, reference, tmp_path, kind):
    table = _text_table(rows)
    if kind in ("parquet_structs", "csv_flat"):  # what a Parquet writer makes of the fixed-shape objects
        table = table.with_columns(_structs(table, STRUCTURED))
    if kind == "csv_flat":  # nested objects spread over "scores.correctness"-style columns
        while structs := [c for c, t in table.schema.items() if isinstance(t, pl.Struct)]:
            table = table.unnest(*structs, separator=".")
        table = table.with_columns(pl.col(c).cast(pl.String) for c, t in table.schema.items()
                                   if t != pl.String and not isinstance(t, pl.List) and c != "is_root")
        table = table.with_columns(pl.col(c).list.eval(pl.element().cast(pl.String)).list.join("|")
                                   .map_elements(lambda s: json.dumps(s.split("|")), return_dtype=pl.String)
                                   for c, t in table.schema.items() if isinstance(t, pl.List))
    p = tmp_path / ("rows.parquet" if kind.startswith("parquet") else "rows.csv")
    table.write_parquet(p) if p.suffix == ".parquet" else table.write_csv(p)
    assert sniffed(p, tmp_path) == "braintrust"
    _same(reference, _read(p))


def test_answer_that_reads_as_json_is_kept_as_written(tmp_path):
    answer = '{\n  "customer": "Ada",\n  "priority": "high"\n}'  # an extraction task's reply: text, not an object
    row = {"id": "r1", "span_id": "s1", "root_span_id": "s1", "span_attributes": '{"type": "task", "name": "x"}',
           "input": "extract", "output": answer, "scores": '{"valid_json": 1}', "created": "2026-01-01T00:00:00Z"}
    p = tmp_path / "rows.csv"
    pl.DataFrame([row]).write_csv(p)
    ts = _read(p)
    assert ts.traces["output"].to_list() == [answer]
    assert ts.feedback.select("name", "value").rows() == [("valid_json", 1.0)]


def test_bad_csv_row_and_bad_parquet_name_the_place(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text("id,span_id,root_span_id,input\nr1,s1,s1,hello\nr2,s2,s2,too,many,fields\n", encoding="utf-8")
    ts = _read(p)
    assert len(ts.spans) == 1
    assert ts.rejects.select("line").to_series().to_list() == [2]
    assert "fields" in ts.rejects["reason"][0]
    bad = tmp_path / "rows.parquet"
    pl.DataFrame({"id": ["r1"], "span_id": ["s1"], "root_span_id": ["s1"]}).write_parquet(bad)
    bad.write_bytes(bad.read_bytes()[:40] + b"\x00" * 40 + bad.read_bytes()[80:])
    with pytest.raises(UnreadableFileError, match=r"rows\.parquet"):
        _read(bad)

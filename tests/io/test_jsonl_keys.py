"""JSONL read by polars without losing late keys, and record numbers mapped back to lines
(feedback_lab/io/_jsonl.py, used by the canonical and Phoenix readers).

``polars.read_ndjson`` ignores every key missing from the lines it inferred its schema from
(pola-rs/polars#29330); these tests pin that the readers do not lose such keys.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedback_lab as fl
from feedback_lab.io import _jsonl, _phoenix_load
from feedback_lab.io._jsonl import RecordLines, read_ndjson_keys, sample_lines


def _phoenix_span(i: int, **attrs) -> dict:
    return {"context.span_id": f"s{i}", "context.trace_id": f"t{i}", "parent_id": None, "span_kind": "LLM",
            "start_time": "2026-01-01T00:00:00+00:00", "end_time": "2026-01-01T00:00:01+00:00",
            "attributes.input.value": f"question {i}", **attrs}


def _write(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_polars_alone_drops_a_key_first_seen_after_its_sample():
    """The behaviour this module exists for; if polars ever stops dropping the key, the
    sampling below can go."""
    data = b"".join(b'{"a": %d}\n' % i for i in range(200)) + b'{"a": 1, "late": "x"}\n'
    assert "late" not in pl.read_ndjson(data, infer_schema_length=100).columns
    assert read_ndjson_keys(data)["late"].to_list()[-1] == "x"


def test_phoenix_keeps_a_model_first_seen_after_line_1000(tmp_path):
    recs = [_phoenix_span(i) for i in range(1500)]
    recs.append(_phoenix_span(1500, **{"attributes.llm.model_name": "gpt-late", "attributes.session.id": "s-late",
                                       "attributes.custom.flag": "on"}))
    p = tmp_path / "spans.jsonl"
    _write(p, recs)
    ts = fl.read_traces(p)
    assert len(ts.spans) == 1501 and len(ts.rejects) == 0
    late = ts.spans.filter(pl.col("span_id") == "s1500").row(0, named=True)
    assert late["model"] == "gpt-late"
    assert json.loads(late["attributes"])["custom.flag"] == "on"
    assert ts.traces.filter(pl.col("trace_id") == "t1500")["session_id"].to_list() == ["s-late"]


def test_canonical_keeps_a_column_first_seen_after_record_1000(tmp_path):
    recs = [{"trace_id": f"t{i}", "input": "q", "output": "a"} for i in range(1500)]
    recs.append({"trace_id": "t1500", "input": "q", "output": "a", "reference": "the reference"})
    p = tmp_path / "traces.jsonl"
    _write(p, recs)
    ts = fl.read_traces(p)
    assert ts.traces.filter(pl.col("trace_id") == "t1500")["reference"].to_list() == ["the reference"]


@pytest.mark.parametrize("fmt", ["phoenix", "canonical"])
def test_large_files_sample_lines_spread_through_the_file(tmp_path, monkeypatch, fmt):
    """Above FULL_INFERENCE_BYTES the schema comes from sampled lines: a second export appended
    to the first is seen; a key on one late line needs ``exact_schema=True``."""
    monkeypatch.setattr(_jsonl, "FULL_INFERENCE_BYTES", 0)
    monkeypatch.setattr(_jsonl, "_SPREAD_LINES", 100)  # one line in 30 of the 3,000
    n = 3000
    if fmt == "phoenix":
        recs = [_phoenix_span(i) for i in range(n)]
        appended = {"attributes.llm.model_name": "gpt-appended"}
        lonely = {"attributes.user.id": "u-lonely"}
        model_of = lambda ts, i: ts.spans.filter(pl.col("span_id") == f"s{i}")["model"][0]  # noqa: E731
        lonely_text = b"u-lonely"
    else:
        recs = [{"trace_id": f"t{i}", "input": "q", "output": "a"} for i in range(n)]
        appended = {"model": "gpt-appended"}
        lonely = {"prompt_version": "v-lonely"}
        model_of = lambda ts, i: ts.traces.filter(pl.col("trace_id") == f"t{i}")["model"][0]  # noqa: E731
        lonely_text = b"v-lonely"
    for i in range(n // 2, n):  # the second half: an export with one more column
        recs[i].update(appended)
    p = tmp_path / "export.jsonl"
    for at in range(1234, 1264):  # one line outside the first 1,000 that no sampled line is
        _write(p, [{**r, **lonely} if i == at else r for i, r in enumerate(recs)])
        if lonely_text not in sample_lines(p.read_bytes()):
            break
    else:
        pytest.fail("every candidate line was sampled")
    ts = fl.read_traces(p, format=fmt)
    assert model_of(ts, n - 1) == "gpt-appended" and model_of(ts, n // 2) == "gpt-appended"
    exact = fl.read_traces(p, format=fmt, exact_schema=True)
    col, value = ("user_id", "u-lonely") if fmt == "phoenix" else ("prompt_version", "v-lonely")
    assert ts.traces[col].is_null().all()
    assert exact.traces.filter(pl.col("trace_id") == f"t{at}")[col].to_list() == [value]


def test_sample_lines_takes_the_head_and_evenly_spaced_lines():
    lines = [b'{"i": %4d}' % i for i in range(1000)]  # 11 bytes each with the newline
    data = b"\n".join(lines) + b"\n"
    got = sample_lines(data, head=3, spread=4, full_below=0).splitlines()
    assert got == [lines[0], lines[1], lines[2], lines[0], lines[250], lines[500], lines[750]]
    assert sample_lines(data, full_below=len(data)) == data  # small: the whole file


def test_record_lines_skip_blank_and_whitespace_lines():
    data = b'{"a": 1}\n\n  \n{"a": 2}\r\n\t\n{"a": 3}'
    lines = RecordLines(data)
    assert [lines(1), lines(2), lines(3), lines(4)] == [1, 4, 6, None]
    assert len(pl.read_ndjson(data)) == 3  # polars skips those lines too


def test_phoenix_rejects_name_lines_after_blank_lines(tmp_path):
    recs = [_phoenix_span(0), _phoenix_span(1), {**_phoenix_span(2), "start_time": "yesterday"},
            _phoenix_span(0)]  # line 7: a duplicate of line 1
    p = tmp_path / "spans.jsonl"
    text = "\n".join(json.dumps(r) for r in recs)
    p.write_text(text.replace("\n", "\n\n", 2) + "\n")  # blank lines 2 and 4
    assert [i for i, line in enumerate(p.read_text().splitlines(), 1) if line.strip()] == [1, 3, 5, 6]
    ts = fl.read_traces(p, format="phoenix")
    assert len(ts.spans) == 2
    rej = ts.rejects.sort("line")
    assert rej["line"].to_list() == [5, 6]
    assert rej["reason"][0].startswith("start: unparseable timestamp 'yesterday'")
    assert "first seen at line 1" in rej["reason"][1]
    assert json.loads(rej["raw"][0])["start"] == "yesterday"  # the raw value, not the failed parse


def test_phoenix_bad_line_outside_the_sample_falls_back_line_by_line(tmp_path, monkeypatch):
    """A large file's schema comes from sampled lines; a bad line elsewhere fails polars' scan at
    collect time, and the file is then read line by line: good lines load, the bad one is a reject
    with its line number, and no reject of the abandoned bulk attempt remains."""
    monkeypatch.setattr(_jsonl, "FULL_INFERENCE_BYTES", 0)
    monkeypatch.setattr(_jsonl, "_SPREAD_LINES", 10)
    lines = [json.dumps(_phoenix_span(i)) for i in range(3000)]
    p = tmp_path / "spans.jsonl"
    for at in range(1500, 1530):  # a line no sampled line is
        p.write_text("\n".join([*lines[:at], '{"context.span_id": "broken', *lines[at:]]) + "\n")
        if b"broken" not in sample_lines(p.read_bytes()):
            break
    else:
        pytest.fail("every candidate line was sampled")
    ts = fl.read_traces(p, format="phoenix")
    assert len(ts.spans) == 3000
    assert ts.rejects["line"].to_list() == [at + 1]
    assert "JSON" in ts.rejects["reason"][0]


# ---------------------------------------------------------------- bulk read == per-line read
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_times = st.one_of(st.none(), st.sampled_from(["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:01.5Z",
                                               "2026-01-01 00:00:02", "yesterday", "", "2026-01-01T00:00:00+0200"]),
                   st.integers(1_767_225_600, 1_767_229_200))


@st.composite
def _span_files(draw):
    lines = []
    nested = draw(st.booleans())
    n = draw(st.integers(1, 8))
    for i in range(n):
        rec = {"context.span_id": draw(st.sampled_from([f"s{i}", f"s{i}", "s0", None])),
               "context.trace_id": draw(st.sampled_from(["t0", "t1", None, "t0"])),
               "parent_id": draw(st.sampled_from([None, "s0", "s1", "gone"])),
               "span_kind": draw(st.sampled_from(["LLM", "CHAIN", "llm", " Tool ", None]))}
        for key, value in (("start_time", _times), ("end_time", _times),
                           ("attributes.input.value", st.one_of(st.none(), _text)),
                           ("attributes.output.value", st.one_of(st.none(), _text)),
                           ("attributes.llm.model_name", st.sampled_from(["gpt-a", "gpt-b", None])),
                           ("attributes.llm.token_count.prompt", st.one_of(st.none(), st.integers(0, 99),
                                                                           st.sampled_from(["12", "many"]))),
                           ("attributes.session.id", st.sampled_from(["s-1", None])),
                           ("attributes.tag.tags", st.one_of(st.none(), st.lists(_text, max_size=2)))):
            if draw(st.booleans()):  # a key a record may lack
                rec[key] = draw(value)
        if nested:  # the REST / span-download shape: context and attributes as objects
            rec = {**{k: v for k, v in rec.items() if "." not in k},
                   "context": {k[8:]: v for k, v in rec.items() if k.startswith("context.")},
                   "attributes": {k[11:]: v for k, v in rec.items() if k.startswith("attributes.")}}
        lines.append(json.dumps(rec, ensure_ascii=draw(st.booleans())))
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", "\t"])))  # blank lines polars skips
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=_span_files())
def test_phoenix_bulk_jsonl_equals_the_per_line_reader(tmp_path, monkeypatch, text):
    """The polars scan (streaming spans frame, record numbers mapped to lines) gives the same
    spans, traces and rejects as the per-line ``json`` reader on the same file."""
    import warnings

    p = tmp_path / "spans.jsonl"
    p.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bulk = fl.read_traces(p, format="phoenix")
        with monkeypatch.context() as m:
            m.setattr(_phoenix_load, "_is_jsonl", lambda path: False)
            m.setattr(_phoenix_load, "_read_ndjson", lambda *a: None)
            per_line = fl.read_traces(p, format="phoenix")
    rej = ["line", "reason"]
    assert bulk.rejects.select(rej).sort(rej).equals(per_line.rejects.select(rej).sort(rej))
    cols = [c for c in bulk.spans.columns if c != "attributes"]
    assert bulk.spans.select(cols).equals(per_line.spans.select(cols))
    assert bulk.traces.equals(per_line.traces)
    # attributes: the same values; a key holding numbers and text in one file is a text column in the
    # bulk read, so scalars compare as their JSON text
    assert _attribute_values(bulk.spans) == _attribute_values(per_line.spans)


def _attribute_values(spans) -> list:
    def norm(v):
        return v if isinstance(v, (str, list)) else json.dumps(v)

    return [None if a is None else {k: norm(v) for k, v in json.loads(a).items() if v is not None}
            for a in spans["attributes"].to_list()]


_KEY_TEXT = st.text(st.sampled_from(list('ab "\\\n\t\u00e9/:,{}')), max_size=5)
_DOC = st.recursive(st.none() | st.integers(-9, 9) | _KEY_TEXT,
                    lambda ch: st.lists(ch, max_size=3) | st.dictionaries(_KEY_TEXT, ch, max_size=3), max_leaves=8)


def _keys(v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from _keys(x)
    elif isinstance(v, list):
        for x in v:
            yield from _keys(x)


#: objects whose keys hold one type each (text, an object, or a list of one object): polars infers structs
_OBJ = st.recursive(st.dictionaries(_KEY_TEXT, _KEY_TEXT, max_size=3),
                    lambda ch: st.dictionaries(_KEY_TEXT, ch | st.lists(ch, min_size=1, max_size=1), max_size=3),
                    max_leaves=8)


def _escaped(rec) -> set[str]:
    return {k for k in _keys(rec) if json.dumps(k, ensure_ascii=False) != f'"{k}"'}


@settings(max_examples=200, deadline=None)
@given(_OBJ, st.dictionaries(_KEY_TEXT, _DOC, max_size=3), st.booleans())
def test_escaped_keys_found_in_the_inferred_schema(obj, anything, ascii_):
    """Every object key JSON writes with an escape is in the schema polars infers for objects of one type
    per key, and for any record no key is named that JSON does not escape."""
    schema = pl.read_ndjson(json.dumps({"m": obj}, ensure_ascii=ascii_).encode(), infer_schema_length=None).schema
    assert set(_jsonl.escaped_keys(schema)) == _escaped(obj)
    assert _jsonl.record_has_escaped_key({"m": obj}) == bool(_escaped(obj))
    assert _jsonl.record_has_escaped_key({"m": anything}) == bool(_escaped(anything))
    try:
        schema = pl.read_ndjson(json.dumps({"m": anything}).encode(), infer_schema_length=None).schema
    except pl.exceptions.PolarsError:  # a list holding a number and an object: no schema to look at
        return
    assert set(_jsonl.escaped_keys(schema)) <= _escaped(anything)


@pytest.mark.parametrize("other", [{"ok": [{"a": 1}]}, {"ok": 1}], ids=["same-types", "types-differ"])
def test_canonical_reads_objects_with_escaped_keys_in_python(tmp_path, other):
    """Polars infers a schema (the keys are struct fields) or fails to (a key holds a number and a list:
    the records are parsed in Python). Not covered: an object on a key that holds text on other lines
    (polars infers text for it; see feedback_lab/io/_jsonl.py)."""
    meta = {"ok": [{"two\nlines": 'say "hi"'}]}
    p = tmp_path / "t.jsonl"
    _write(p, [{"trace_id": f"t{i}", "input": "q", "metadata": meta if i == 1 else other} for i in range(3)])
    ts = fl.read_traces(p)
    assert json.loads(ts.traces["metadata"][1]) == meta and len(ts.rejects) == 0

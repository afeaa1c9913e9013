"""Phoenix span metadata encoded by polars (``_struct_json``, ``_nested_struct``) gives what the
row-by-row encoding (``meta_json``, ``nest_dotted``) gives: the same object, null fields dropped at
any depth, ``{}`` as null; and a Phoenix file whose spans carry metadata objects loads them so."""

from __future__ import annotations

import json

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedback_lab as fl
from feedback_lab.io._phoenix import _nested_struct, _struct_json
from feedback_lab.io._phoenix_load import meta_json
from feedback_lab.io._platform_common import nest_dotted

# keys and text with what could confuse a JSON rewrite: quotes, backslashes, ":null", commas, braces
_TEXT = st.lists(st.sampled_from([*'ab"\\:,{}[]n', "null", ":null", "é", "\n", "\u2028"]), max_size=6).map("".join)
_LEAF = st.sampled_from([pl.Int64, pl.Float64, pl.String, pl.Boolean, pl.List(pl.String)])
_DTYPE = st.recursive(_LEAF, lambda inner: st.dictionaries(_TEXT, inner, min_size=1, max_size=3).map(
    lambda d: pl.Struct(d)), max_leaves=6)


def _value(dtype):
    """Values of ``dtype``, nulls included."""
    if isinstance(dtype, pl.Struct):
        return st.none() | st.fixed_dictionaries({f.name: _value(f.dtype) for f in dtype.fields})
    if isinstance(dtype, pl.List):
        return st.none() | st.lists(st.none() | _TEXT, max_size=3)
    return st.none() | {pl.Int64: st.integers(-(2**53), 2**53), pl.Float64: st.floats(allow_nan=False, allow_infinity=False),
                        pl.String: _TEXT, pl.Boolean: st.booleans()}[dtype]


@st.composite
def _struct_frames(draw):
    dtype = draw(st.dictionaries(_TEXT, _DTYPE, min_size=1, max_size=4).map(pl.Struct))
    rows = draw(st.lists(_value(dtype), min_size=1, max_size=5))
    return pl.DataFrame({"m": rows}, schema={"m": dtype})


def _loaded(text):
    return None if text is None else json.loads(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_struct_frames())
def test_struct_metadata_encoded_by_polars_equals_the_row_by_row_encoding(df):
    got = df.select(_struct_json(pl.col("m"))).to_series().to_list()
    want = [meta_json(v) for v in df["m"].to_list()]
    assert [_loaded(g) for g in got] == [_loaded(w) for w in want]


_NAME = st.lists(st.sampled_from(["a", "b", 'q"', "n:null"]), min_size=1, max_size=3).map(".".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_NAME, min_size=1, max_size=5, unique=True), st.data())
def test_dotted_metadata_nested_by_polars_equals_nest_dotted(names, data):
    cols = [f"c{i}" for i in range(len(names))]
    rows = data.draw(st.lists(st.tuples(*[st.none() | _TEXT | st.integers(-5, 5).map(str) for _ in names]),
                              min_size=1, max_size=4))
    df = pl.DataFrame(rows, schema=dict.fromkeys(cols, pl.String), orient="row")
    nested = _nested_struct(cols, names)
    want = [meta_json(nest_dotted(dict(zip(names, r, strict=True)))) for r in rows]
    if nested is None:  # a name that is also a prefix: nest_dotted keeps it dotted, the caller goes row by row
        assert any(m.startswith(n + ".") for n in names for m in names)
        return
    got = df.select(_struct_json(nested)).to_series().to_list()
    assert [_loaded(g) for g in got] == [_loaded(w) for w in want]


def test_spans_with_metadata_objects_load_them_without_the_keys_of_other_spans(tmp_path):
    base = {"status_code": "OK", "start_time": "2026-02-01T00:00:00+00:00", "end_time": "2026-02-01T00:00:01+00:00"}
    spans = [
        {**base, "context.trace_id": "t1", "context.span_id": "r1", "parent_id": None, "span_kind": "CHAIN",
         "attributes.input.value": "q", "attributes.output.value": "a",
         "attributes.metadata": {"app": "1.2", "flags": {"beta": True}}},
        {**base, "context.trace_id": "t1", "context.span_id": "l1", "parent_id": "r1", "span_kind": "LLM",
         "attributes.metadata": {"provider": "openai", "note": 'say ":null", {}'}},
        {**base, "context.trace_id": "t2", "context.span_id": "r2", "parent_id": None, "span_kind": "CHAIN",
         "attributes.metadata": {"flags": {"beta": None}}},
        {**base, "context.trace_id": "t3", "context.span_id": "r3", "parent_id": None, "span_kind": "CHAIN"},
    ]
    p = tmp_path / "spans.jsonl"
    p.write_text("".join(json.dumps(s) + "\n" for s in spans))
    ts = fl.read_traces(p)
    meta = dict(zip(ts.traces["trace_id"], ts.traces["metadata"], strict=True))
    assert json.loads(meta["t1"]) == {"app": "1.2", "flags": {"beta": True}}
    assert json.loads(meta["t2"]) == {"flags": {}}  # as the row-by-row encoding gives it
    assert meta["t3"] is None

"""Fuzz the platform loaders: corrupted exports load partly or fail with a FeedbackLabError naming the file.

Each example takes one file of a platform export of the small TraceSet and corrupts it (truncation,
invalid UTF-8, wrong types, missing keys, deep nesting, huge strings, duplicated records). The only
exceptions allowed out of ``FORMAT.read`` are ``FeedbackLabError`` subclasses whose message names the
file; every reject names its file and a 1-based line.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from _fuzz_helpers import check_loader, corruption, fuzz_examples


def _load_io_conftest():
    """tests/io/conftest.py under its own module name (``import conftest`` would find another
    area's conftest when several test folders run in one session)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_io_conftest", Path(__file__).with_name("conftest.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_small_traceset = _load_io_conftest()._small_traceset

FORMATS = ["phoenix", "otel", "braintrust", "latitude", "helicone"]
MAX_EXAMPLES = fuzz_examples(30)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """``{format: [load, ...]}``, a load being the ``[(path, bytes), ...]`` of one export."""
    ts = _small_traceset()
    out = {}
    for fmt in FORMATS:
        d = tmp_path_factory.mktemp(fmt)
        paths = importlib.import_module(f"feedback_lab.sample_data._export_{fmt}").write(ts, d)
        loads = [paths]
        if fmt == "phoenix":  # the spans dataframe saved as CSV and JSONL too
            pd.read_parquet(paths[0]).to_csv(d / "spans.csv")
            pd.read_parquet(paths[0]).to_json(d / "spans.jsonl", orient="records", lines=True, date_format="iso")
            loads += [[d / "spans.csv", paths[1]], [d / "spans.jsonl", paths[1]]]
        out[fmt] = [[(p, p.read_bytes()) for p in load] for load in loads]
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupted_exports(fmt, exports, tmp_path_factory):
    d = tmp_path_factory.mktemp(f"fuzz_{fmt}")

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.data())
    def run(data):
        load = data.draw(st.sampled_from(exports[fmt]))
        which = data.draw(st.integers(0, len(load) - 1))
        path, content = load[which]
        target = d / path.name
        target.write_bytes(data.draw(corruption(content)))
        check_loader(fmt, [target if i == which else p for i, (p, _) in enumerate(load)], target)

    run()

"""Fuzz every loader from the vendored exports made by the platforms' own software or rebuilt from
their source (tests/data/io/real/, tests/data/io/platforms/), and from table copies of a Braintrust
export: each example corrupts one file (truncation, invalid UTF-8, wrong types, renamed keys, deep
nesting, huge strings, duplicated or garbage lines). The only exceptions allowed out of a loader are
``FeedbackLabError`` subclasses naming the file; every reject names its file and a 1-based line.
``FL_FUZZ_EXAMPLES`` sets the examples per format (CI: 30).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from _fuzz_helpers import check_loader, corruption, fuzz_examples

DATA = Path(__file__).resolve().parents[1] / "data" / "io"
ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = fuzz_examples(30)
SKIP = {"SOURCE.md", "SOURCES.md", "expected.json"}


def _seeds(fmt: str, tmp: Path) -> list[Path]:
    files = [p for d in (DATA / "real" / fmt, DATA / "platforms" / fmt) if d.is_dir()
             for p in sorted(d.rglob("*")) if p.is_file() and p.name not in SKIP]
    if fmt == "braintrust":  # the cloud-storage Parquet export and the app's CSV download
        rows = [json.loads(x) for x in gzip.open(ROOT / "sample_data/exports/braintrust/part-000000.jsonl.gz", "rt")][:40]
        enc = [{k: json.dumps(v) if v is not None and not isinstance(v, (str, bool)) else v for k, v in r.items()}
               for r in rows]
        keys = sorted({k for r in enc for k in r})
        table = pl.DataFrame([{k: r.get(k) for k in keys} for r in enc],
                             schema={k: pl.Boolean if k == "is_root" else pl.String for k in keys})
        table.write_parquet(tmp / "rows.parquet")
        table.write_csv(tmp / "rows.csv")
        files += [tmp / "rows.parquet", tmp / "rows.csv"]
    # a text seed with a byte-order mark and in UTF-16 (Excel, PowerShell 5 redirects), and its
    # records through pandas (Python reprs in CSV cells, dotted json_normalize columns)
    text = next((p for p in files if p.suffix in (".json", ".jsonl", ".csv")), None)
    if text is not None:
        raw = text.read_bytes()
        (tmp / f"bom_{text.name}").write_bytes(b"\xef\xbb\xbf" + raw)
        (tmp / f"utf16_{text.name}").write_bytes(raw.decode("utf-8").encode("utf-16"))
        files += [tmp / f"bom_{text.name}", tmp / f"utf16_{text.name}"]
        recs = _records(text)
        if recs:
            import pandas as pd

            pd.DataFrame(recs).to_csv(tmp / "frame.csv", index=False)
            pd.json_normalize(recs).to_json(tmp / "normalized.jsonl", orient="records", lines=True)
            files += [tmp / "frame.csv", tmp / "normalized.jsonl"]
    return files


def _records(path: Path) -> list[dict]:
    """The JSON records of a JSON list, API page or JSON-lines seed (``[]`` for others)."""
    if path.suffix == ".csv":
        return []
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return []
    if isinstance(doc, dict):
        doc = next((doc[k] for k in ("data", "items", "runs", "events") if isinstance(doc.get(k), list)), [doc])
    return [r for r in doc if isinstance(r, dict)] if isinstance(doc, list) else []


FORMATS = sorted({*(d.name for d in (DATA / "real").iterdir() if d.is_dir()), "helicone", "latitude"})
#: folders of tests/data/io/real named for what they hold, not for their format
FORMAT_OF = {"langfuse_blob": "langfuse", "langfuse_cli": "langfuse", "langsmith_fetch": "langsmith", "langsmith_query_v2": "langsmith",
             "langsmith_experiments": "langsmith", "phoenix_traces": "phoenix",
             "phoenix_sessions": "phoenix", "phoenix_openai": "phoenix", "phoenix_queries": "phoenix", "phoenix_evals": "phoenix",
             "otel_instrumentations": "otel"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupted_real_exports(fmt, tmp_path_factory):
    seeds = _seeds(fmt, tmp_path_factory.mktemp(f"seed_{fmt}"))
    assert len(seeds) >= 2, f"no vendored {fmt} exports found under {DATA}"
    contents = {p: p.read_bytes() for p in seeds}
    out = tmp_path_factory.mktemp(f"fuzz_real_{fmt}")

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.data())
    def run(data):
        path = data.draw(st.sampled_from(seeds))
        target = out / path.name
        target.write_bytes(data.draw(corruption(contents[path])))
        check_loader(FORMAT_OF.get(fmt, fmt), [target], target)

    run()

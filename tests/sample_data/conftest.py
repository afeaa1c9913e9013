"""Fixtures: one fresh generation of the default sample data per session, written to a temp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def fresh_dir(tmp_path_factory) -> Path:
    """The default sample data (2000 traces, seed 0) freshly written, without exporters' output compared."""
    from feedback_lab import sample_data

    out = tmp_path_factory.mktemp("sample_fresh")
    sample_data.write(out)
    return out


@pytest.fixture(scope="session")
def ts():
    """The default sample data as a TraceSet (polars)."""
    from feedback_lab import sample_data

    return sample_data.generate()


@pytest.fixture(scope="session")
def truth(ts):
    from feedback_lab import sample_data

    return sample_data.planted_truth(ts)


def _read_jsonl(path: Path) -> list[dict]:
    """Plain ``json.loads`` per line; ``x.jsonl`` also finds the committed ``x.jsonl.gz``."""
    import gzip

    path = Path(path)
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        path = path.with_name(path.name + ".gz")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="session")
def read_jsonl():
    """An independent reader: plain ``json.loads`` per line."""
    return _read_jsonl


@pytest.fixture(scope="session")
def committed(repo_root_session) -> Path:
    return repo_root_session / "sample_data"


@pytest.fixture(scope="session")
def repo_root_session() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def readme(committed) -> str:
    return (committed / "README.md").read_text(encoding="utf-8")


def table_rows(text: str, header_start: str) -> list[list[str]]:
    """Cells of the markdown table whose header line starts with ``header_start``."""
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[i + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip().strip("`") for c in line.strip().strip("|").split("|")])
    return rows


@pytest.fixture(scope="session")
def readme_tables(readme):
    return lambda header_start: table_rows(readme, header_start)

"""Shared fixtures: backends, shared data location, seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[1]
# One embedding cache for the whole run (all xdist workers and notebook kernels): the sample data is
# embedded once, by whichever test gets there first. Tests of the cache itself use their own paths.
os.environ.setdefault("FEEDBACK_LAB_CACHE_DIR", str(REPO / ".cache" / "test-embeddings"))

def _shared_root() -> Path:
    if os.environ.get("FEEDBACK_LAB_SHARED"):
        return Path(os.environ["FEEDBACK_LAB_SHARED"])
    # ../shared beside the clone; worktrees under a sibling folder look one level further up
    for candidate in (REPO.parent / "shared", REPO.parents[1] / "shared"):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared"


SHARED_DATA = _shared_root() / "data"
TEST_DATA = Path(__file__).parent / "data"
SAMPLE_DATA = REPO / "sample_data"


@pytest.fixture(params=["pandas", "polars"])
def backend(request):
    """Run a test once per backend; ``make(df_dict)`` builds a frame of that kind."""
    return request.param


@pytest.fixture
def make_frame(backend):
    def make(data):
        pdf = pd.DataFrame(data)
        return pdf if backend == "pandas" else pl.from_pandas(pdf)

    return make


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; tests using it skip with a reason when it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found at {SHARED_DATA}: real-data tests need the team's shared folder")
    return SHARED_DATA


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture
def repo_root() -> Path:
    return REPO

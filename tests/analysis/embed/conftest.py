"""Fixtures for the embedding tests: an isolated cache directory, the vendored banking77 subset."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh cache directory, also set as FEEDBACK_LAB_CACHE_DIR (so cache=True uses it)."""
    path = tmp_path / "embcache"
    monkeypatch.setenv("FEEDBACK_LAB_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def banking_subset(request):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "data" / "embed" / "banking77_subset.csv"
    return pd.read_csv(path)

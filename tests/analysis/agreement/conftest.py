"""Fixtures for the agreement tests: vendored reference cases and frame builders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

AGREEMENT_DATA = Path(__file__).resolve().parents[2] / "data" / "agreement"


@pytest.fixture(scope="session")
def ref_cases() -> dict:
    """The published reference cases, vendored from ../shared/data/agreement_reference_values."""
    with open(AGREEMENT_DATA / "reference_values.json") as fh:
        return {c["id"]: c for c in json.load(fh)["cases"]}


@pytest.fixture(scope="session")
def extdata() -> Path:
    return AGREEMENT_DATA / "gwet_irrCAC_extdata"

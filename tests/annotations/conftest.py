"""Fixtures for the annotation store tests: configs (real when available) and a writer script."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "_fl_fake_configs", Path(__file__).parents[1] / "widgets" / "_fake_configs.py")
_fake = sys.modules.setdefault("_fl_fake_configs", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_fake)

FeedbackConfig, RubricItem = _fake.load()


@pytest.fixture
def verdict():
    return FeedbackConfig(name="verdict", kind="boolean")


@pytest.fixture
def rating():
    return FeedbackConfig(name="rating", kind="numeric", min=1, max=5)


@pytest.fixture
def store(tmp_path):
    from feedback_lab.annotations import AnnotationStore

    return AnnotationStore(tmp_path / "labels.db")

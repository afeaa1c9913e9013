"""Fixtures for the widget tests: configs (real when available), a store, a few traces."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("_fl_fake_configs", Path(__file__).with_name("_fake_configs.py"))
_fake = sys.modules.setdefault("_fl_fake_configs", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_fake)
FeedbackConfig, RubricItem = _fake.load()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose the call-phase report to fixtures (browser screenshots on failure)."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.rep_call = rep


@pytest.fixture
def configs():
    return [
        FeedbackConfig(name="verdict", kind="boolean"),
        FeedbackConfig(name="rating", kind="numeric", min=1, max=5),
        FeedbackConfig(name="issue", kind="categorical", labels=("format", "facts", "tone")),
        FeedbackConfig(name="notes", kind="text", max_length=50),
    ]


@pytest.fixture
def store(tmp_path):
    from feedback_lab.annotations import AnnotationStore

    return AnnotationStore(tmp_path / "labels.db", synchronous="NORMAL")


@pytest.fixture
def traces():
    return [{"trace_id": f"t{i}", "input": f"question {i}", "output": f"answer {i}: Paris is in France.",
             "reference": f"ref {i}", "metadata": '{"judge": "fail"}', "judge_label": "fail"}
            for i in range(5)]

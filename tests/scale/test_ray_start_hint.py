"""The hint given when a local Ray does not start because of a lone ``opentelemetry`` package
(feedback_lab/scale/_common.py:ray_start_hint); no Ray instance is needed."""

from __future__ import annotations

import importlib
import sys

from feedback_lab.scale._common import ray_start_hint


def _without_opentelemetry(monkeypatch):
    for name in [m for m in sys.modules if m == "opentelemetry" or m.startswith("opentelemetry.")]:
        monkeypatch.delitem(sys.modules, name)


def test_a_lone_opentelemetry_namespace_package_is_named(tmp_path, monkeypatch):
    (tmp_path / "opentelemetry" / "proto").mkdir(parents=True)  # what opentelemetry-proto alone installs
    (tmp_path / "opentelemetry" / "proto" / "__init__.py").write_text("")
    _without_opentelemetry(monkeypatch)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    hint = ray_start_hint()
    assert "opentelemetry-api" in hint and "dashboard agent" in hint


def test_no_hint_when_opentelemetry_api_is_there(tmp_path, monkeypatch):
    (tmp_path / "opentelemetry" / "metrics").mkdir(parents=True)
    (tmp_path / "opentelemetry" / "metrics" / "__init__.py").write_text("")
    _without_opentelemetry(monkeypatch)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert ray_start_hint() == ""

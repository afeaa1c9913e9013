"""feedback_lab: review how your LLM application fails in production.

Load traces and feedback exported from Langfuse, LangSmith, Phoenix, OpenTelemetry,
Braintrust, Latitude, Helicone or plain CSV/JSONL into one canonical
:class:`TraceSet`; embed and cluster failure modes; detect drift between windows;
measure how well an LLM judge agrees with humans; pick what to review next; export
golden sets, regression sets and preference pairs.

``import feedback_lab`` is fast: every public name is loaded on first use, and
heavy libraries (torch, umap, hdbscan, plotly, ipywidgets) only inside the
functions that need them.

Examples
--------
>>> import feedback_lab as fl
>>> fl.TraceSet.empty().summary()["traces"]
0
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Subpackages whose ``_EXPORTS`` make up the top-level API. Each subpackage's
# ``__init__`` owns its own names; adding a public function is a one-line edit there.
_SUBPACKAGES = (
    "feedback_lab._core_exports",
    "feedback_lab.io",
    "feedback_lab.transforms",
    "feedback_lab.annotations",
    "feedback_lab.analysis.embed",
    "feedback_lab.analysis.cluster",
    "feedback_lab.analysis.drift",
    "feedback_lab.analysis.agreement",
    "feedback_lab.viz",
    "feedback_lab.report",
)
# modules reachable as attributes: fl.widgets.AnnotationQueue, fl.sample_data.generate(...)
_SUBMODULES = ("widgets", "sample_data", "schema", "exceptions", "io", "transforms", "analysis",
               "viz", "report", "cli", "annotations", "scale")


def _export_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for pkg in _SUBPACKAGES:
        mod = importlib.import_module(pkg)
        for name in getattr(mod, "_EXPORTS", {}):
            out[name] = pkg
    return out


_MAP = _export_map()
__all__ = sorted(_MAP)


def __getattr__(name: str) -> Any:
    if name in _MAP:
        value = getattr(importlib.import_module(_MAP[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"feedback_lab.{name}")
    from feedback_lab._validation import did_you_mean

    msg = f"module 'feedback_lab' has no attribute {name!r}.{did_you_mean(name, __all__)}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})

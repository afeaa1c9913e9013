"""Lazy re-exports: a subpackage lists ``name -> private module`` and loads on first use."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """Build a module ``__getattr__`` that imports ``exports[name]`` relative to ``package``."""

    def __getattr__(name: str) -> Any:
        try:
            target = exports[name]
        except KeyError:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg) from None
        module = importlib.import_module(target, package)
        return getattr(module, name)

    return __getattr__

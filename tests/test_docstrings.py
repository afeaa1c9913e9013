"""Every docstring example of the package runs and prints what it shows.

The examples are the API's documentation (``help(fl.read_traces)``, the reference pages); this
keeps them true. It is what ``pytest --doctest-modules feedback_lab`` does, one test per module.
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import pytest

import feedback_lab

# ``__main__`` modules run the CLI when imported (``python -m feedback_lab.cli``)
MODULES = sorted(m.name for m in pkgutil.walk_packages(feedback_lab.__path__, prefix="feedback_lab.")
                 if not m.name.endswith(".__main__"))


def test_every_module_is_collected():
    assert {"feedback_lab.io._jsonl", "feedback_lab.io._read", "feedback_lab.schema"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)  # pytest's default flags
    report = io.StringIO()
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test, out=report.write)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) of {name} failed:\n{report.getvalue()}"

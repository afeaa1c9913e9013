"""The ``feedback-lab`` command line (see ``feedback-lab --help``)."""

from feedback_lab.cli._main import main

__all__ = ["main"]

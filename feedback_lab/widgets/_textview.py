"""A small anywidget that shows untrusted text inertly and reports the selected passage.

ipywidgets cannot read a DOM selection, so the output of a trace is drawn by this
widget: its JavaScript (``static/textview.js``) only ever sets ``textContent``, reads
``window.getSelection()`` inside its own ``<pre>`` and sends the offsets back. It also
carries the queue's keyboard shortcuts (``shortcuts``: key -> action name), scoped to the
element with class ``root_class``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from feedback_lab._deps import import_optional

__all__ = ["has_anywidget", "make_text_view"]

_JS = Path(__file__).with_name("static") / "textview.js"


def has_anywidget() -> bool:
    """True when the ``anywidget`` package is importable (the selection front end needs it)."""
    try:
        import_optional("anywidget", feature="text selection in AnnotationQueue")
    except ImportError:
        return False
    return True


@functools.cache
def _text_view_class():
    anywidget = import_optional("anywidget", feature="text selection in AnnotationQueue")
    traitlets = import_optional("traitlets", feature="text selection in AnnotationQueue")

    class TextView(anywidget.AnyWidget):
        """Inert text with selection offsets (see module docstring)."""

        _esm = _JS.read_text(encoding="utf-8")
        text = traitlets.Unicode("").tag(sync=True)
        total = traitlets.Int(0).tag(sync=True)
        title = traitlets.Unicode("").tag(sync=True)
        marks = traitlets.List([]).tag(sync=True)
        shortcuts = traitlets.Dict({}).tag(sync=True)
        root_class = traitlets.Unicode("").tag(sync=True)

    return TextView


def make_text_view(**kwargs):
    """A new TextView widget (``text``, ``total``, ``title``, ``marks``, ``shortcuts``, ``root_class``)."""
    return _text_view_class()(**kwargs)

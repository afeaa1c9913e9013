"""The queue's ipywidgets front end, driven through QueueUI.act (what buttons and keys call)."""

from __future__ import annotations

import pytest

from feedback_lab.widgets import AnnotationQueue
from feedback_lab.widgets._common import text_html, utf16_to_index
from feedback_lab.widgets._queue_ui import KEYMAP

PAYLOADS = ["<script>window.__pwned=1</script>", '<img src=x onerror="window.__pwned=1">',
            "**bold** [x](javascript:alert(1))"]


@pytest.fixture
def ui(traces, configs, store):
    q = AnnotationQueue(traces, configs, store=store, annotator="ana")
    q.widget()
    return q._ui


def test_buttons_keys_and_inline_errors(ui, store):
    ui.act("fail")
    ui.act("score:4")
    ui.controls["issue"].value = "tone"
    ui.act("next", comment="from the key handler")
    assert store.history().select("name", "label", "value", "comment").rows() == [
        ("verdict", "fail", 0.0, "from the key handler"), ("rating", None, 4.0, "from the key handler"),
        ("issue", "tone", None, "from the key handler")]
    assert ui.q.current["trace_id"] == "t1" and ui.controls["verdict"].value is None
    assert "1/5" in ui.header.value
    ui.act("next")  # nothing chosen on a new trace: an inline error, no move
    assert "Nothing to record" in ui.error.value and ui.q.current["trace_id"] == "t1"
    ui.act("score:9")  # outside the 1-5 scale: ignored
    assert ui.controls["rating"].value is None
    ui.act("back")
    assert ui.q.current["trace_id"] == "t0" and ui.error.value == ""
    ui.act("next")  # already labelled, nothing new chosen: just moves on
    ui.act("skip")
    assert ui.q.current["trace_id"] == "t2"
    assert set(KEYMAP.values()) >= {"pass", "fail", "next", "back", "skip", "mark"}


def test_selection_and_span_marking(ui, store):
    out = ui.q.current["output"]
    s = out.index("Paris")
    ui.select(s, s + 5, "Paris")
    ui.act("mark")
    assert store.spans_frame()["span_text"].to_list() == ["Paris"]
    assert ui.output.marks == [[s, s + 5, "hallucinated"]]
    ui.select(0, 3, "not the text")
    assert "does not match" in ui.error.value
    ui.find.value = "France"
    ui.act("mark_found")
    ui.start.value, ui.end.value = 0, 6
    ui.act("mark_offsets")
    assert sorted(store.spans_frame()["span_text"].to_list()) == ["France", "Paris", "answer"]
    ui.start.value, ui.end.value = 3, 1
    ui.act("mark_offsets")
    assert "non-empty passage" in ui.error.value


def test_hostile_text_is_escaped_everywhere(tmp_path, configs, store):
    hostile = " ".join(PAYLOADS)
    tr = [{"trace_id": "evil", "input": hostile, "output": hostile, "reference": hostile,
           "metadata": {"k": hostile}}]
    q = AnnotationQueue(tr, configs, store=store, annotator="a<b>", blind=False)
    q.widget()
    ui = q._ui
    html_values = [w.value for w in (ui.header, ui.input, ui.reference, ui.metadata, ui.context)]
    for v in html_values:
        assert "<script" not in v and "<img" not in v
    assert "&lt;script&gt;" in ui.input.value and "&lt;b&gt;" in ui.header.value
    assert ui.output.text == hostile  # TextView renders it with textContent only


def test_long_output_is_cut_for_display_only(configs, store):
    big = "y" * 1_000_000
    q = AnnotationQueue([{"trace_id": "big", "output": big}], configs, store=store, annotator="a")
    q.widget()
    ui = q._ui
    assert len(ui.output.text) == 20_000 and ui.output.total == 1_000_000
    assert ui.more.layout.display is None
    ui.act("more")
    assert len(ui.output.text) == 80_000
    q.mark_span(999_990, 1_000_000, "good")  # offsets beyond the shown part still refer to the full text
    assert store.spans_frame()["span_text"].to_list() == ["y" * 10]
    assert len(text_html(big)) < 25_000


def test_utf16_offsets_from_the_browser():
    text = "😀 Paris"
    assert text[utf16_to_index(text, 3):utf16_to_index(text, 8)] == "Paris"

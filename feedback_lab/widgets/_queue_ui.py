"""The ipywidgets front end of :class:`~feedback_lab.widgets.AnnotationQueue` (UI state only).

Every button and key calls :meth:`QueueUI.act`, which calls a public method of the queue;
trace text reaches the page only escaped (``text_html``) or as ``textContent`` (TextView).
"""

from __future__ import annotations

import uuid
from typing import Any

from feedback_lab._deps import import_optional
from feedback_lab.widgets._common import (
    DISPLAY_CHARS,
    control_spec,
    esc,
    metadata_text,
    text_html,
    truncate,
)
from feedback_lab.widgets._queue import SHORTCUTS
from feedback_lab.widgets._textview import has_anywidget, make_text_view

__all__ = ["QueueUI"]

#: key (as the browser names it) -> action, sent to the TextView front end
KEYMAP = {
    "p": "pass", "f": "fail", "n": "next", "Enter": "next", "Ctrl+Enter": "next", "b": "back",
    "s": "skip", "m": "mark", **{str(i): f"score:{i}" for i in range(1, 10)},
}


def _rubric_html(items: list[Any]) -> str:
    parts = []
    for it in items:
        parts.append(f"<div><b>Guidance</b> (v{esc(it.version)}): {esc(it.guidance)}</div>")
        for title, xs in (("Passes", it.positive_examples), ("Fails", it.negative_examples),
                          ("Edge cases", it.edge_cases)):
            if xs:
                lis = "".join(f"<li>{esc(truncate(x, 2000)[0])}</li>" for x in xs)
                parts.append(f"<div><b>{title}</b><ul>{lis}</ul></div>")
    return "".join(parts)


class QueueUI:
    """Widgets for one AnnotationQueue; ``box`` is what the notebook displays."""

    def __init__(self, queue: Any) -> None:
        w = import_optional("ipywidgets", feature="AnnotationQueue")
        self.q, self.w = queue, w
        self.limit = DISPLAY_CHARS
        self.root_class = f"fl-queue-{uuid.uuid4().hex[:8]}"
        self.header = w.HTML()
        self.input = w.HTML()
        self.reference = w.HTML()
        self.metadata = w.HTML()
        self.context = w.HTML()
        self.more = w.Button(description="show more", tooltip="show more of the output")
        self.more.on_click(lambda _: self.act("more"))
        if has_anywidget():
            self.output = make_text_view(title="output", shortcuts=KEYMAP, root_class=self.root_class)
            self.output.on_msg(self._on_msg)
        else:  # no selection or keys without anywidget: offsets/substring marking still work
            self.output = w.HTML()
        self.controls: dict[str, Any] = {}
        rows = []
        for cfg in queue.configs:
            spec = control_spec(cfg)
            opts = spec["options"]
            if spec["widget"] == "buttons":
                ctl = w.ToggleButtons(options=[(str(o), o) for o in opts], value=None)
            elif spec["widget"] == "dropdown":
                ctl = w.Dropdown(options=[("—", None)] + [(str(o), o) for o in opts], value=None)
            elif spec["widget"] == "number":
                ctl = w.Text(placeholder=f"number in [{getattr(cfg, 'min', None)}, {getattr(cfg, 'max', None)}]")
            else:
                ctl = w.Textarea(placeholder=getattr(cfg, "description", "") or cfg.name)
            ctl.add_class(f"fl-control-{cfg.name}")
            self.controls[cfg.name] = ctl
            rows.append(w.HBox([w.Label(cfg.name), ctl]))
        rubric = w.Accordion(children=[w.HTML(_rubric_html(queue.rubric[c.name]) or "<i>no rubric</i>")
                                       for c in queue.configs])
        for i, c in enumerate(queue.configs):
            rubric.set_title(i, f"rubric: {c.name}")
        self.comment = w.Textarea(placeholder="comment (Ctrl+Enter: save and next)",
                                  layout=w.Layout(width="95%"))
        self.comment.add_class("fl-comment")
        nav = []
        for action, label in (("back", "◀ back"), ("skip", "skip"), ("next", "save & next ▶")):
            b = w.Button(description=label, tooltip=action)
            b.add_class(f"fl-{action}")
            b.on_click(lambda _, a=action: self.act(a))
            nav.append(b)
        self.span_label = w.Dropdown(options=list(queue.span_labels), description="span label")
        self.find = w.Text(placeholder="passage to mark (fallback to selecting it)")
        self.start = w.IntText(description="start", layout=w.Layout(width="150px"))
        self.end = w.IntText(description="end", layout=w.Layout(width="150px"))
        marks = [("mark", "mark selection"), ("mark_found", "mark passage"), ("mark_offsets", "mark offsets")]
        span_buttons = []
        for action, label in marks:
            b = w.Button(description=label)
            b.on_click(lambda _, a=action: self.act(a))
            span_buttons.append(b)
        self.span_list = w.HTML()
        self.selection: dict[str, Any] | None = None
        show_spans = w.Button(description="show spans")
        show_spans.on_click(lambda _: self.act("spans"))
        self.spans = w.HTML()
        self.error = w.HTML()
        help_rows = "".join(f"<tr><td><kbd>{esc(k)}</kbd></td><td>{esc(v)}</td></tr>" for k, v in SHORTCUTS.items())
        keys = w.HTML(f"<details><summary>keyboard shortcuts</summary><table>{help_rows}</table></details>")
        self.box = w.VBox([
            self.header, rubric, self.input, self.output, self.more, self.reference, self.metadata,
            self.context, w.HBox([show_spans]), self.spans, *rows, self.comment, w.HBox(nav), self.error,
            w.HBox([self.span_label, span_buttons[0], self.find, span_buttons[1]]),
            w.HBox([self.start, self.end, span_buttons[2]]), self.span_list, keys,
        ])
        self.box.add_class("fl-queue")
        self.box.add_class(self.root_class)
        self.refresh()

    # ------------------------------------------------------------------ events
    def _on_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("type") == "selection":
            self.select(int(content["start"]), int(content["end"]), content.get("text"))
        elif content.get("type") == "action":
            if content.get("action") == "mark" and "start" in content:
                self.select(int(content["start"]), int(content["end"]), content.get("text"))
            self.act(content["action"], comment=content.get("comment"))

    def select(self, start_u16: int, end_u16: int, text: str | None = None) -> None:
        """Remember a browser selection (UTF-16 offsets) as Python offsets into the output."""
        from feedback_lab.widgets._common import utf16_to_index

        out = str((self.q.current or {}).get("output") or "")
        s, e = utf16_to_index(out, start_u16), utf16_to_index(out, end_u16)
        if text is not None and out[s:e] != text:
            self.show_error("the selection does not match the output text; select it again")
            return
        self.selection = {"start": s, "end": e}
        self.start.value, self.end.value = s, e

    def show_error(self, message: str) -> None:
        self.error.value = f"<div style='color:#b00020'>{esc(message)}</div>" if message else ""

    def pending(self) -> dict[str, Any]:
        """``{config name: chosen value}`` for the controls that have one."""
        out = {}
        for name, ctl in self.controls.items():
            v = ctl.value
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            if isinstance(ctl, self.w.Text) and not isinstance(ctl, self.w.Textarea):
                try:
                    v = float(v)
                except ValueError:
                    v = str(v)  # validate_value reports the wrong type inline
            out[name] = v
        return out

    def act(self, action: str, *, comment: str | None = None) -> None:
        """Run one UI action by name (what buttons and keys call); errors show inline."""
        q = self.q
        try:
            if action in ("pass", "fail"):
                cfg = next((c for c in q.configs if c.kind == "boolean"), None)
                if cfg is not None:
                    self.controls[cfg.name].value = action
            elif action.startswith("score:"):
                cfg = next((c for c in q.configs if control_spec(c)["widget"] == "buttons" and c.kind == "numeric"), None)
                k = int(action.split(":")[1])
                if cfg is not None and k in control_spec(cfg)["options"]:
                    self.controls[cfg.name].value = k
            elif action == "next":
                if comment is not None:
                    self.comment.value = comment
                chosen = self.pending()
                note = self.comment.value
                if chosen or note.strip() or q.finished or not q.is_done(q.trace_ids[q.position]):
                    q.record(values=chosen, comment=note)
                q.next()
                self.reset()
            elif action == "skip":
                q.skip()
                self.reset()
            elif action == "back":
                q.back()
                self.reset()
            elif action == "more":
                self.limit *= 4
                self.refresh()
                return
            elif action == "spans":
                self.spans.value = self._spans_html()
                return
            elif action in ("mark", "mark_found", "mark_offsets"):
                if action == "mark_found":
                    s, e = q.find_span(self.find.value)
                elif action == "mark_offsets":
                    s, e = self.start.value, self.end.value
                elif self.selection:
                    s, e = self.selection["start"], self.selection["end"]
                else:
                    raise ValueError("select a passage of the output first")
                q.mark_span(s, e, self.span_label.value)
                self.selection = None
                self.refresh()
            else:
                raise ValueError(f"unknown action {action!r}")
            self.show_error("")
        except (ValueError, KeyError, PermissionError) as exc:
            self.show_error(str(exc.args[0]) if exc.args else str(exc))

    # ------------------------------------------------------------------ drawing
    def reset(self) -> None:
        self.limit = DISPLAY_CHARS
        for ctl in self.controls.values():
            ctl.value = None if not isinstance(ctl, (self.w.Text, self.w.Textarea)) else ""
        self.comment.value = ""
        self.spans.value = ""
        self.selection = None
        self.refresh()

    def _spans_html(self) -> str:
        df = self.q.spans()
        if df is None or len(df) == 0:
            return "<i>no spans for this trace</i>"
        by_parent: dict[Any, list[dict[str, Any]]] = {}
        for r in df.to_dicts():
            by_parent.setdefault(r.get("parent_id"), []).append(r)
        ids = {r["span_id"] for r in df.to_dicts()}
        lines: list[str] = []

        def walk(parent: Any, depth: int) -> None:
            for r in by_parent.get(parent, []):
                lines.append(f"<div style='margin-left:{depth * 16}px'><b>{esc(r.get('name'))}</b> "
                             f"[{esc(r.get('kind'))}]{text_html(r.get('output'), 500)}</div>")
                walk(r["span_id"], depth + 1)

        for root in [p for p in by_parent if p is None or p not in ids]:
            walk(root, 0)
        return "".join(lines)

    def refresh(self) -> None:
        q, cur = self.q, self.q.current
        mode = "blind" if q.blind else "not blind"
        if cur is None:
            self.header.value = (f"<b>Done</b>: {esc(q.progress_text)} labelled by {esc(q.annotator)}"
                                 f"{' (skipped ones remain)' if q.skipped else ''}")
            for wdg in (self.input, self.reference, self.metadata, self.context, self.span_list):
                wdg.value = ""
            self._set_output("", 0)
            return
        tid = cur["trace_id"]
        state = "labelled" if q.is_done(tid) else "new"
        self.header.value = (f"<b>{esc(q.progress_text)}</b> labelled · trace <code>{esc(tid)}</code> "
                             f"({esc(state)}) · position {q.position + 1} of {len(q.trace_ids)} · "
                             f"annotator {esc(q.annotator)} · {mode}")
        self.input.value = text_html(cur.get("input"), self.limit, title="input")
        out = str(cur.get("output") or "")
        self._set_output(out, len(out))
        self.reference.value = text_html(cur.get("reference"), self.limit, title="reference") if cur.get("reference") else ""
        meta = metadata_text(cur.get("metadata"))
        self.metadata.value = text_html(meta, 4000, title="metadata") if meta else ""
        self.context.value = "" if q.blind else self._feedback_html()
        marks = q.my_spans()
        self.span_list.value = "".join(
            f"<div>marked <b>{esc(r['label'])}</b> [{r['span_start']}, {r['span_end']}): "
            f"<code>{esc(truncate(r['span_text'], 200)[0])}</code></div>" for r in marks.to_dicts())
        if hasattr(self.output, "marks"):
            self.output.marks = [[r["span_start"], r["span_end"], r["label"] or ""] for r in marks.to_dicts()]

    def _set_output(self, out: str, total: int) -> None:
        shown, hidden = truncate(out, self.limit)
        self.more.layout.display = None if hidden else "none"
        if hasattr(self.output, "total"):
            with self.output.hold_sync():
                self.output.text, self.output.total = shown, total
        else:
            self.output.value = text_html(out, self.limit, title="output")

    def _feedback_html(self) -> str:
        df = self.q.feedback()
        if len(df) == 0:
            return "<i>no other feedback on this trace</i>"
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(r.get(c))}</td>" for c in ("name", "value", "label", "annotator_kind", "annotator")) + "</tr>"
            for r in df.to_dicts())
        return f"<b>other feedback</b><table><tr><th>name</th><th>value</th><th>label</th><th>kind</th><th>by</th></tr>{rows}</table>"

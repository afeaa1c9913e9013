"""AnnotationQueue: label traces one at a time against FeedbackConfigs, into an AnnotationStore.

Every action of the widget is a method here (``record``, ``next``, ``back``, ``skip``,
``mark_span``, ``find_span``); the ipywidgets front end (:mod:`._queue_ui`) only calls them.
"""

from __future__ import annotations

import zlib
from typing import Any

from feedback_lab.widgets._common import config_list, control_spec, rubric_map, trace_records

__all__ = ["SHORTCUTS", "AnnotationQueue"]

#: keyboard shortcuts of the widget (single keys work when no text box has focus)
SHORTCUTS = {
    "p": "pass (first pass/fail config)",
    "f": "fail (first pass/fail config)",
    "1-9": "score on the first 1-N scale",
    "n / Enter": "save the choices and the comment, go to the next trace",
    "Ctrl+Enter": "same as n, also inside the comment box",
    "b": "back to the previous trace",
    "s": "skip (comes back after the others)",
    "m": "mark the selected passage of the output with the span label",
    "Escape": "leave the comment box (single-key shortcuts work again)",
}
_BOOL_VALUE = {"pass": 1.0, "fail": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0,
               "good": 1.0, "bad": 0.0, "thumbs_up": 1.0, "thumbs_down": 0.0}


class AnnotationQueue:
    """A queue of traces for one annotator, with controls generated from FeedbackConfigs.

    Parameters
    ----------
    traces : TraceSet, DataFrame or list of dict
        Traces (``trace_id``, ``input``, ``output``, ``reference``, ``metadata``). With a
        TraceSet, its spans are shown on demand and, when ``blind=False``, its feedback.
        A trace id that appears twice is queued once.
    configs : FeedbackConfig, list or dict of them
        What to label; one control per config.
    store : AnnotationStore
        Where every entry is committed the moment it is recorded.
    annotator : str
        Who labels. Progress and resume are per annotator: several people can work
        through the same queue, each from where they stopped.
    rubric : RubricItem or list, optional
        Guidance and examples shown next to the controls (added to the configs' own).
    blind : bool
        Hide existing feedback (judge verdicts, user ratings) and other annotators' labels.
    order : {"given", "random"}
        Queue order. ``"random"`` shuffles with ``random_state``; when that is None the seed
        derives from the annotator's name, so a resumed session sees the same order.
    random_state : int or Generator, optional
    span_name : str
        Feedback name under which marked passages are stored.
    span_labels : list of str
        Labels offered for marked passages.

    Notes
    -----
    Keyboard shortcuts (:data:`SHORTCUTS`, also listed in the widget): ``p``/``f`` pass/fail,
    ``1``-``9`` a score, ``n`` or Enter save and next, Ctrl+Enter the same from inside the
    comment box, ``b`` back, ``s`` skip, ``m`` mark the selected passage, Escape leaves a text
    box. Selecting a passage of the output and the keys need ``anywidget``; without it,
    passages are marked by search text or offsets.

    Examples
    --------
    >>> import tempfile, os
    >>> from types import SimpleNamespace
    >>> from feedback_lab.annotations import AnnotationStore
    >>> verdict = SimpleNamespace(name="verdict", kind="boolean", validate_value=lambda **kw: None)
    >>> store = AnnotationStore(os.path.join(tempfile.mkdtemp(), "q.db"))
    >>> q = AnnotationQueue([{"trace_id": "a", "output": "4"}, {"trace_id": "b", "output": "5"}],
    ...                     verdict, store=store, annotator="ana")
    >>> q.current["trace_id"], q.progress_text
    ('a', '0/2')
    >>> _ = q.record(label="fail", comment="wrong sum")
    >>> q.next()["trace_id"], q.progress_text
    ('b', '1/2')
    """

    def __init__(self, traces: Any, configs: Any, *, store: Any, annotator: str, rubric: Any = None,
                 blind: bool = True, order: str = "given", random_state: Any = None,
                 span_name: str = "span", span_labels: tuple[str, ...] = ("hallucinated", "good")) -> None:
        if not isinstance(annotator, str) or not annotator.strip():
            msg = f"AnnotationQueue: annotator must be a non-empty name, got {annotator!r}."
            raise ValueError(msg)
        if order not in ("given", "random"):
            msg = f"AnnotationQueue: order must be 'given' or 'random', got {order!r}."
            raise ValueError(msg)
        for attr in ("add_many", "add_span", "done_trace_ids", "latest"):
            if not hasattr(store, attr):
                msg = f"AnnotationQueue: store must be an AnnotationStore, got {type(store).__name__}."
                raise TypeError(msg)
        records, self._spans, self._feedback = trace_records(traces)
        self.configs = config_list(configs)
        self.rubric = rubric_map(self.configs, rubric)
        self.store, self.annotator, self.blind = store, annotator, bool(blind)
        self.span_name, self.span_labels = span_name, tuple(span_labels)
        self._records: dict[str, dict[str, Any]] = {}
        for r in records:
            self._records.setdefault(r["trace_id"], r)
        self.duplicates = len(records) - len(self._records)
        ids = list(self._records)
        if order == "random":
            from feedback_lab._random import check_random_state

            seed = zlib.crc32(annotator.encode()) if random_state is None else random_state
            rng = check_random_state(seed)
            ids = [ids[i] for i in rng.permutation(len(ids))]
        self.trace_ids: list[str] = ids
        self.order = order
        self.skipped: set[str] = set()
        self._history: list[int] = []
        self._done = self._load_done()
        self.position = self._first_open(0, include_skipped=True)
        self._ui = None

    # ------------------------------------------------------------------ state
    @property
    def names(self) -> list[str]:
        """The config names this queue labels."""
        return [c.name for c in self.configs]

    def config(self, name: str | None = None) -> Any:
        """The config called ``name``; without a name, the only non-text config."""
        if name is None:
            choices = [c for c in self.configs if c.kind != "text"] or self.configs
            if len(choices) != 1:
                msg = f"record: several configs {[c.name for c in choices]}; say which with name=... or values={{...}}."
                raise ValueError(msg)
            return choices[0]
        for c in self.configs:
            if c.name == name:
                return c
        from feedback_lab._validation import did_you_mean

        msg = f"No config named {name!r} in this queue.{did_you_mean(name, self.names)} Configs: {self.names}."
        raise KeyError(msg)

    def _load_done(self) -> set[str]:
        return self.store.done_trace_ids(self.annotator, self.names) & set(self.trace_ids)

    def is_done(self, trace_id: str) -> bool:
        """True when this annotator has labelled ``trace_id`` for any of the queue's configs."""
        return trace_id in self._done

    def _first_open(self, start: int, *, include_skipped: bool) -> int:
        n = len(self.trace_ids)
        for i in range(start, n):
            t = self.trace_ids[i]
            if t not in self._done and (include_skipped or t not in self.skipped):
                return i
        return n

    @property
    def finished(self) -> bool:
        """True when every trace of the queue is labelled or the end was reached."""
        return self.position >= len(self.trace_ids)

    @property
    def current(self) -> dict[str, Any] | None:
        """The trace shown now (a dict of its fields; ``None`` once the queue is finished).

        In blind mode only ``trace_id``, ``input``, ``output``, ``reference`` and ``metadata``
        are given; otherwise every column, plus ``feedback``: the existing feedback rows
        and other annotators' current labels for this trace.
        """
        if self.finished:
            return None
        rec = self._records[self.trace_ids[self.position]]
        if self.blind:
            return {k: rec.get(k) for k in ("trace_id", "input", "output", "reference", "metadata")}
        return {**rec, "feedback": self.feedback()}

    @property
    def progress(self) -> dict[str, Any]:
        """This annotator's progress: ``done``, ``total``, ``remaining``, ``text`` ("12/150")."""
        return self.store.progress(self.annotator, self.trace_ids, self.names)

    @property
    def progress_text(self) -> str:
        return f"{len(self._done)}/{len(self.trace_ids)}"

    # ------------------------------------------------------------------ actions
    def _entries(self, value: Any, label: Any, comment: str | None, name: str | None,
                 values: dict[str, Any] | None) -> list[dict[str, Any]]:
        trace_id = self.trace_ids[self.position]
        chosen = dict(values or {})
        if value is not None or label is not None:
            chosen[self.config(name).name] = value if label is None else label
        elif name is not None and comment is not None and self.config(name).kind == "text":
            chosen[name], comment = comment, None
        if not chosen and comment:
            texts = [c for c in self.configs if c.kind == "text"]
            if len(texts) == 1:
                chosen[texts[0].name], comment = comment, None
        if not chosen:
            msg = f"Nothing to record for trace {trace_id!r}: choose a value for {self.names} (or press skip)."
            raise ValueError(msg)
        entries, errors = [], []
        for cname, v in chosen.items():
            cfg = self.config(cname)
            field = control_spec(cfg)["field"]
            e: dict[str, Any] = {"trace_id": trace_id, "name": cname, "annotator": self.annotator,
                                 "config": cfg, "comment": comment}
            if field == "comment":
                e["comment"] = v
            elif field == "label" and cfg.kind == "boolean" and not isinstance(v, str):
                e["value"] = None if v is None else float(v)
            elif field == "label":
                e["label"] = v
                if cfg.kind == "boolean" and str(v).lower() in _BOOL_VALUE:
                    e["value"] = _BOOL_VALUE[str(v).lower()]
            else:
                e["value"] = v
            items = self.rubric.get(cname) or []
            if items:
                e["rubric_version"] = str(items[-1].version)
            reason = cfg.validate_value(value=e.get("value"), label=e.get("label"), comment=e.get("comment"))
            if reason:
                errors.append(f"{cname}: {reason}")
            entries.append(e)
        if errors:
            msg = "Not saved: " + "; ".join(errors) + "."
            raise ValueError(msg)
        return entries

    def record(self, value: Any = None, label: Any = None, comment: str | None = None, *,
               name: str | None = None, values: dict[str, Any] | None = None) -> list[int]:
        """Validate and commit labels for the current trace (does not move on).

        Parameters
        ----------
        value, label : optional
            A score or a label for config ``name`` (default: the only non-text config).
        comment : str, optional
            Free text attached to every entry of this call (or the entry of the only
            text config when nothing else is given).
        name : str, optional
            Which config ``value``/``label`` are for.
        values : dict, optional
            ``{config name: value or label}`` for several configs at once.

        Returns
        -------
        list of int
            Ids of the committed entries.

        Raises
        ------
        ValueError
            Nothing chosen, the queue is finished, or a value does not fit its config
            (the message lists every reason; nothing is stored).
        """
        if self.finished:
            msg = "The queue is finished: nothing to record (use back() to revise a label)."
            raise ValueError(msg)
        comment = comment if comment and comment.strip() else None
        ids = self.store.add_many(self._entries(value, label, comment, name, values))
        self._done.add(self.trace_ids[self.position])
        return ids

    def _go(self, i: int) -> dict[str, Any] | None:
        if i != self.position and not self.finished:
            self._history.append(self.position)
        self.position = i
        return self.current

    def next(self) -> dict[str, Any] | None:
        """Go to the next trace this annotator has not labelled; skipped ones come last."""
        self._done = self._load_done()  # another session of the same annotator may have labelled some
        i = self._first_open(self.position + 1, include_skipped=False)
        if i >= len(self.trace_ids):
            i = self._first_open(0, include_skipped=False)
        if i >= len(self.trace_ids):  # only skipped ones are left: revisit them
            rest = [j for j in range(len(self.trace_ids))
                    if self.trace_ids[j] not in self._done and j != self.position]
            i = rest[0] if rest else len(self.trace_ids)
        return self._go(i)

    def skip(self) -> dict[str, Any] | None:
        """Leave the current trace unlabelled and go to the next one."""
        if not self.finished:
            self.skipped.add(self.trace_ids[self.position])
        return self.next()

    def back(self) -> dict[str, Any] | None:
        """Return to the trace shown before this one (to revise its label)."""
        if self._history:
            self.position = self._history.pop()
        elif self.position > 0:
            self.position = min(self.position, len(self.trace_ids)) - 1
        return self.current

    def goto(self, trace_id: str) -> dict[str, Any] | None:
        """Show ``trace_id`` (which must be in the queue)."""
        if trace_id not in self._records:
            msg = f"goto: trace {trace_id!r} is not in this queue of {len(self.trace_ids)} traces."
            raise KeyError(msg)
        return self._go(self.trace_ids.index(trace_id))

    # ------------------------------------------------------------------ spans and context
    def find_span(self, passage: str, occurrence: int = 0, *, field: str = "output") -> tuple[int, int]:
        """``(start, end)`` of the ``occurrence``-th match of ``passage`` in the current trace's ``field``."""
        text = "" if self.finished else str(self._records[self.trace_ids[self.position]].get(field) or "")
        start = -1
        for _ in range(occurrence + 1):
            start = text.find(passage, start + 1) if passage else -1
            if start < 0:
                msg = f"find_span: {passage[:80]!r} (occurrence {occurrence}) is not in the {field} of this trace."
                raise ValueError(msg)
        return start, start + len(passage)

    def mark_span(self, start: int, end: int, label: str | None = None, *, comment: str | None = None,
                  field: str = "output") -> int:
        """Store ``field[start:end]`` of the current trace as a marked passage (``store.add_span``)."""
        if self.finished:
            msg = "The queue is finished: no trace to mark."
            raise ValueError(msg)
        trace_id = self.trace_ids[self.position]
        text = str(self._records[trace_id].get(field) or "")
        return self.store.add_span(trace_id=trace_id, name=self.span_name, start=int(start), end=int(end),
                                   text=text, label=label, annotator=self.annotator, source=field,
                                   comment=comment)

    def my_spans(self):
        """This annotator's marked passages of the current trace (current view)."""
        df = self.store.spans_frame(annotator=self.annotator)
        tid = None if self.finished else self.trace_ids[self.position]
        return df.filter(df["trace_id"] == tid)

    def spans(self):
        """The span tree rows (``spans`` frame) of the current trace, or None without a TraceSet."""
        if self._spans is None or self.finished:
            return None
        return self._spans.filter(self._spans["trace_id"] == self.trace_ids[self.position])

    def feedback(self):
        """Existing feedback and other annotators' labels for the current trace.

        Raises
        ------
        PermissionError
            In blind mode (the point of blind mode is not to see them).
        """
        if self.blind:
            msg = "This queue is blind: existing feedback and other annotators' labels are hidden."
            raise PermissionError(msg)
        import polars as pl

        tid = None if self.finished else self.trace_ids[self.position]
        frames = [] if self._feedback is None else [self._feedback.filter(pl.col("trace_id") == tid)]
        mine = self.store.to_frame()
        frames.append(mine.filter((pl.col("trace_id") == tid) & (pl.col("annotator") != self.annotator)))
        return pl.concat(frames, how="diagonal_relaxed")

    # ------------------------------------------------------------------ display
    def widget(self):
        """The ipywidgets front end (built once)."""
        if self._ui is None:
            from feedback_lab.widgets._queue_ui import QueueUI

            self._ui = QueueUI(self)
        return self._ui.box

    def _repr_mimebundle_(self, **kwargs):
        return self.widget()._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (f"AnnotationQueue(annotator={self.annotator!r}, progress={self.progress_text}, "
                f"configs={self.names}, blind={self.blind})")

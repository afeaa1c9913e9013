"""Durable, append-only storage of human annotations (SQLite in WAL mode).

Why SQLite (WAL) rather than an fsync'd JSONL file
--------------------------------------------------
* **Atomic commits.** A transaction is either fully in the database or not at all; a
  process killed half-way through a write leaves a torn *WAL frame* that SQLite ignores
  on the next open. A JSONL writer killed mid-line leaves a truncated line that every
  reader must detect and skip.
* **Concurrent writers.** Several annotators (kernels, processes) may write to the same
  store at once: SQLite serialises writers with a file lock and ``busy_timeout`` makes a
  writer wait instead of failing. Concurrent ``write()`` calls on one JSONL file can
  interleave bytes unless every writer takes its own lock.
* **Durability.** ``synchronous=FULL`` fsyncs the WAL at every commit, so an entry is on
  disk when :meth:`AnnotationStore.add` returns (JSONL needs an explicit ``os.fsync``).
* **Standard library only**, readable by any SQLite tool, and ``latest()`` / ``progress()``
  are indexed queries instead of full-file scans.

The store never updates or deletes a row: re-labelling appends a new entry, so the full
history is kept (:meth:`AnnotationStore.history`) and :meth:`AnnotationStore.latest`
returns the current view (the last entry per trace, feedback name and annotator).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from feedback_lab.annotations._entries import entry_row

__all__ = ["COLUMNS", "AnnotationStore"]

#: columns of one stored entry, in order
COLUMNS = (
    "id", "trace_id", "name", "value", "label", "comment", "annotator", "timestamp",
    "rubric_version", "span_id", "span_start", "span_end", "span_text", "metadata",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    label TEXT,
    comment TEXT,
    annotator TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    rubric_version TEXT,
    span_id TEXT,
    span_start INTEGER,
    span_end INTEGER,
    span_text TEXT,
    metadata TEXT
);
CREATE INDEX IF NOT EXISTS entries_key ON entries (annotator, trace_id, name);
"""
_INSERT = f"INSERT INTO entries ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * (len(COLUMNS) - 1))})"
# the current view: the highest id per key (ids grow with commit order)
_LATEST = (
    "SELECT * FROM entries WHERE id IN (SELECT MAX(id) FROM entries {where} "
    "GROUP BY trace_id, name, annotator, span_start, span_end) ORDER BY id"
)


class AnnotationStore:
    """A local, durable store of human annotations, one row per entry.

    Every :meth:`add` is its own committed (fsync'd) transaction: nothing an annotator
    wrote is lost when the kernel dies, and several processes may write at once.

    Parameters
    ----------
    path : str or Path
        SQLite file (created with its parent folders when absent).
    timeout : float
        Seconds a writer waits for another writer's lock before raising.
    synchronous : {"FULL", "EXTRA", "NORMAL"}
        SQLite's fsync policy. ``"FULL"`` (default) fsyncs every commit: an entry survives
        a power cut once :meth:`add` returns. ``"NORMAL"`` skips that fsync (about 5x faster
        per entry); a killed *process* still loses nothing, only an OS crash or power cut may
        lose the last entries.

    Examples
    --------
    >>> import tempfile, os
    >>> store = AnnotationStore(os.path.join(tempfile.mkdtemp(), "labels.db"))
    >>> _ = store.add(trace_id="t1", name="verdict", label="fail", annotator="ana")
    >>> _ = store.add(trace_id="t1", name="verdict", label="pass", annotator="ana")
    >>> len(store.history()), store.latest()["label"].to_list()
    (2, ['pass'])
    >>> store.to_frame()["annotator_kind"].to_list()
    ['human']
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = 30.0, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            msg = f"AnnotationStore: {self.path} is a folder; pass a file path such as {self.path / 'labels.db'}."
            raise IsADirectoryError(msg)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout = float(timeout)
        if str(synchronous).upper() not in ("FULL", "NORMAL", "EXTRA"):
            msg = f"AnnotationStore: synchronous must be 'FULL', 'EXTRA' or 'NORMAL', got {synchronous!r}."
            raise ValueError(msg)
        self.synchronous = str(synchronous).upper()
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        with self._lock:
            conn = self._connection()
            conn.executescript(_SCHEMA)

    # ------------------------------------------------------------------ connection
    def _connection(self) -> sqlite3.Connection:
        # one connection per process (a forked child must not reuse its parent's)
        if self._conn is None or self._pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a network file system without shared memory
                msg = f"AnnotationStore: could not enable WAL mode on {self.path} (got {mode!r}); use a local disk."
                raise OSError(msg)
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def close(self) -> None:
        """Close the connection (the store reopens it on the next call)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def __repr__(self) -> str:
        return f"AnnotationStore({str(self.path)!r}, entries={len(self)})"

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection().execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    # ------------------------------------------------------------------ writing
    def add_many(self, entries: Iterable[Mapping[str, Any]]) -> list[int]:
        """Validate every entry, then commit them all in one transaction (all or none).

        Each entry is a mapping with the keyword arguments of :meth:`add`.

        Returns
        -------
        list of int
            The ids of the new entries.
        """
        rows = [entry_row(e) for e in entries]  # validate all before writing any
        if not rows:
            return []
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                ids = [int(conn.execute(_INSERT, row).lastrowid) for row in rows]
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return ids

    def add(
        self,
        *,
        trace_id: str,
        name: str,
        value: float | None = None,
        label: str | None = None,
        comment: str | None = None,
        annotator: str,
        config: Any = None,
        rubric_version: str | None = None,
        span_id: str | None = None,
        metadata: Mapping[str, Any] | str | None = None,
    ) -> int:
        """Commit one entry now and return its id.

        Parameters
        ----------
        trace_id, name, annotator : str
            The trace, the feedback name (a FeedbackConfig name) and who labelled it.
        value, label, comment : optional
            The score (a number), a label (``"fail"``, a category) and free text.
        config : FeedbackConfig, optional
            When given the entry is checked with ``config.validate_value``; an invalid
            entry raises ValueError with the reason and nothing is stored.
        rubric_version : str, optional
            Version of the rubric in force (stored with the entry).
        span_id : str, optional
            A span of the trace (``spans.span_id``) the entry is about.
        metadata : dict or str, optional
            Extra JSON-serialisable details.

        Raises
        ------
        ValueError
            Missing ids/name/annotator, or the entry does not fit ``config``.
        """
        return self.add_many([{
            "trace_id": trace_id, "name": name, "value": value, "label": label, "comment": comment,
            "annotator": annotator, "config": config, "rubric_version": rubric_version,
            "span_id": span_id, "metadata": metadata,
        }])[0]

    def add_span(
        self,
        *,
        trace_id: str,
        name: str,
        start: int,
        end: int,
        text: str,
        label: str | None = None,
        annotator: str,
        source: str | None = None,
        comment: str | None = None,
        span_id: str | None = None,
    ) -> int:
        """Mark the passage ``text[start:end]`` of a trace (e.g. as ``"hallucinated"``).

        Parameters
        ----------
        trace_id, name, annotator : str
            As in :meth:`add`.
        start, end : int
            Character offsets (``0 <= start < end <= len(text)``) into ``text``.
        text : str
            The full text the offsets refer to (usually the trace output); the passage
            ``text[start:end]`` is what gets stored.
        label : str, optional
            What the passage is (``"hallucinated"``, ``"good"``, ...).
        source : str, optional
            Which field was marked (``"output"`` by default), kept in metadata.

        Raises
        ------
        ValueError
            Offsets outside ``text`` or an empty passage.

        Examples
        --------
        >>> import tempfile, os
        >>> store = AnnotationStore(os.path.join(tempfile.mkdtemp(), "s.db"))
        >>> _ = store.add_span(trace_id="t1", name="span", start=4, end=9, text="The quick fox",
        ...                    label="hallucinated", annotator="ana")
        >>> store.spans_frame()["span_text"].to_list()
        ['quick']
        """
        if not isinstance(text, str):
            msg = f"add_span: text must be the string the offsets refer to, got {type(text).__name__}."
            raise TypeError(msg)
        for what, x in (("start", start), ("end", end)):
            if isinstance(x, bool) or not isinstance(x, int):
                msg = f"add_span: {what} must be an integer character offset, got {x!r}."
                raise TypeError(msg)
        if not 0 <= start < end <= len(text):
            msg = (f"add_span: offsets [{start}, {end}) do not select a non-empty passage of the "
                   f"{len(text)}-character text of trace {trace_id!r}; need 0 <= start < end <= {len(text)}.")
            raise ValueError(msg)
        meta = {"source": source or "output", "text_length": len(text)}
        return self.add_many([{
            "trace_id": trace_id, "name": name, "label": label, "comment": comment,
            "annotator": annotator, "span_id": span_id, "span_start": start, "span_end": end,
            "span_text": text[start:end], "metadata": meta,
        }])[0]

    # ------------------------------------------------------------------ reading
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._connection().execute(sql, tuple(params))
            return [dict(r) for r in cur.fetchall()]

    @staticmethod
    def _frame(rows: list[dict[str, Any]], backend: str):
        import polars as pl

        schema = {
            "id": pl.Int64, "trace_id": pl.String, "name": pl.String, "value": pl.Float64,
            "label": pl.String, "comment": pl.String, "annotator": pl.String, "timestamp": pl.String,
            "rubric_version": pl.String, "span_id": pl.String, "span_start": pl.Int64,
            "span_end": pl.Int64, "span_text": pl.String, "metadata": pl.String,
        }
        df = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
        df = df.with_columns(pl.col("timestamp").str.to_datetime(time_unit="us", time_zone="UTC"))
        return df.to_pandas() if backend == "pandas" else df

    @staticmethod
    def _where(annotator: str | None, spans: bool) -> tuple[str, list[Any]]:
        cond = ["span_start IS NOT NULL" if spans else "span_start IS NULL"]
        params: list[Any] = []
        if annotator is not None:
            cond.append("annotator = ?")
            params.append(annotator)
        return "WHERE " + " AND ".join(cond), params

    def history(self, *, annotator: str | None = None, spans: bool = False, backend: str = "polars"):
        """Every entry in commit order (re-labels included), as stored (columns: :data:`COLUMNS`)."""
        where, params = self._where(annotator, spans)
        return self._frame(self._query(f"SELECT * FROM entries {where} ORDER BY id", params), backend)

    def latest(self, *, annotator: str | None = None, backend: str = "polars"):
        """The current view: the last entry per (trace_id, name, annotator)."""
        where, params = self._where(annotator, False)
        return self._frame(self._query(_LATEST.format(where=where), params), backend)

    def spans_frame(self, *, latest: bool = True, annotator: str | None = None, backend: str = "polars"):
        """Span marks (``span_start``, ``span_end``, ``span_text``, ``label`` ...).

        With ``latest=True`` a passage re-marked by the same annotator shows its last label.
        """
        where, params = self._where(annotator, True)
        sql = _LATEST.format(where=where) if latest else f"SELECT * FROM entries {where} ORDER BY id"
        return self._frame(self._query(sql, params), backend)

    def to_frame(self, *, latest: bool = True, backend: str = "polars"):
        """Canonical ``feedback`` rows (``annotator_kind="human"``) of the stored annotations.

        ``metadata`` holds the entry id, the rubric version and any metadata given to
        :meth:`add`, as JSON. Span marks are not included (see :meth:`spans_frame`).
        """
        import polars as pl

        from feedback_lab.schema import conform

        df = self.latest() if latest else self.history()

        def meta(row: dict[str, Any]) -> str:
            extra = json.loads(row["metadata"]) if row["metadata"] else {}
            if not isinstance(extra, dict):
                extra = {"metadata": extra}
            return json.dumps({"entry_id": row["id"], "rubric_version": row["rubric_version"], **extra},
                              ensure_ascii=False)

        metas = [meta(r) for r in df.select("id", "rubric_version", "metadata").iter_rows(named=True)]
        out = df.select("trace_id", "name", "value", "label", "comment", "annotator", "timestamp",
                        "span_id").with_columns(
            pl.lit("human").alias("annotator_kind"), pl.Series("metadata", metas, dtype=pl.String))
        out = conform(out, "feedback")
        return out.to_pandas() if backend == "pandas" else out

    def done_trace_ids(self, annotator: str, names: Iterable[str] | None = None) -> set[str]:
        """Trace ids this annotator has labelled (for any of ``names`` when given)."""
        sql = "SELECT DISTINCT trace_id FROM entries WHERE annotator = ? AND span_start IS NULL"
        params: list[Any] = [annotator]
        names = None if names is None else list(names)
        if names is not None:
            if not names:
                return set()
            sql += f" AND name IN ({', '.join('?' * len(names))})"
            params += names
        return {r["trace_id"] for r in self._query(sql, params)}

    def progress(self, annotator: str, trace_ids: Sequence[str], names: Iterable[str] | None = None) -> dict[str, Any]:
        """How far ``annotator`` is through ``trace_ids``.

        Returns
        -------
        dict
            ``annotator``, ``done`` (count), ``total``, ``remaining`` (ids not yet labelled,
            in the given order) and ``text`` such as ``"12/150"``.

        Examples
        --------
        >>> import tempfile, os
        >>> store = AnnotationStore(os.path.join(tempfile.mkdtemp(), "p.db"))
        >>> _ = store.add(trace_id="b", name="verdict", label="pass", annotator="ana")
        >>> p = store.progress("ana", ["a", "b", "c"])
        >>> p["text"], p["remaining"]
        ('1/3', ['a', 'c'])
        """
        ids = list(dict.fromkeys(trace_ids))
        done = self.done_trace_ids(annotator, names)
        remaining = [t for t in ids if t not in done]
        n_done = len(ids) - len(remaining)
        return {"annotator": annotator, "done": n_done, "total": len(ids), "remaining": remaining,
                "text": f"{n_done}/{len(ids)}"}

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``"ok"`` for a healthy file)."""
        return str(self._query("PRAGMA integrity_check")[0]["integrity_check"])

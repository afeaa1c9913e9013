"""On-disk embedding cache: SQLite (WAL) with raw float32 blobs, keyed by (model id, sha256 of text).

No pickle anywhere: a vector is stored as its little-endian float32 bytes and read
back with :func:`numpy.frombuffer`. SQLite in WAL mode lets any number of readers
work while one process writes; writers wait for each other (``busy_timeout``), so
two notebooks or a notebook and a CLI run can share one cache.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from feedback_lab.exceptions import FeedbackLabError

__all__ = ["EmbeddingCache", "default_cache_dir", "text_key"]

_FILENAME = "embeddings.sqlite"
_CHUNK = 900  # keys per SELECT ... IN (...): under SQLite's default 999-variable limit on old builds
_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    dim INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS vectors (
    model INTEGER NOT NULL,
    key BLOB NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID;
"""


class CacheError(FeedbackLabError, OSError):
    """The embedding cache cannot be opened or does not hold what it should."""


def default_cache_dir() -> Path:
    """``$FEEDBACK_LAB_CACHE_DIR`` if set, else ``~/.cache/feedback_lab/embeddings``.

    Examples
    --------
    >>> default_cache_dir().is_absolute()
    True
    """
    env = os.environ.get("FEEDBACK_LAB_CACHE_DIR")
    if env:
        return Path(env).expanduser().absolute()
    return Path.home() / ".cache" / "feedback_lab" / "embeddings"


def text_key(text: str) -> bytes:
    """The 32-byte sha256 digest of ``text`` (UTF-8) that keys the cache.

    Examples
    --------
    >>> text_key("hello").hex()[:16]
    '2cf24dba5fb0a30e'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """A persistent, process-safe store of embeddings keyed by (model id, sha256 of text).

    Parameters
    ----------
    path : str or Path, optional
        A directory (the file ``embeddings.sqlite`` is created in it) or a file path
        ending in ``.sqlite``/``.db``. Default: :func:`default_cache_dir`.
    timeout : float
        Seconds a writer waits for another process's write lock before giving up.

    Notes
    -----
    Only the SHA-256 of each text is stored, never the text itself, so the cache does not
    copy user data. Vectors are the model's raw float32 output; :func:`~feedback_lab.embed`
    normalises on the way out. Delete the file (or call :meth:`clear`) to reclaim space.

    Examples
    --------
    >>> import tempfile
    >>> cache = EmbeddingCache(tempfile.mkdtemp())
    >>> cache.put("toy-model", ["a", "b"], np.eye(2, 3, dtype="float32"))
    2
    >>> found, vecs = cache.get("toy-model", ["b", "c"])
    >>> found.tolist(), vecs[0].tolist()
    ([True, False], [0.0, 1.0, 0.0])
    >>> len(cache), cache.models()
    (2, {'toy-model': 3})
    """

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 60.0) -> None:
        p = Path(path).expanduser().absolute() if path is not None else default_cache_dir()
        if p.suffix.lower() not in {".sqlite", ".db", ".sqlite3"}:
            p = p / _FILENAME
        self.path = p
        self.timeout = float(timeout)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.path)!r})"

    # -- connection ------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                # e.g. a network file system: still correct (rollback journal), just less concurrent
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            msg = (
                f"Cannot open the embedding cache at {self.path}: {exc}. Delete the file if it is "
                "corrupt, point FEEDBACK_LAB_CACHE_DIR at a writable directory, or pass cache=False."
            )
            raise CacheError(msg) from exc
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Close this thread's connection (it reopens on next use)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.conn = None

    def _model_row(self, model: str, dim: int | None) -> tuple[int, int] | None:
        conn = self._conn()
        row = conn.execute("SELECT id, dim FROM models WHERE name = ?", (model,)).fetchone()
        if row is None and dim is not None:
            conn.execute("INSERT OR IGNORE INTO models (name, dim) VALUES (?, ?)", (model, int(dim)))
            row = conn.execute("SELECT id, dim FROM models WHERE name = ?", (model,)).fetchone()
        if row is not None and dim is not None and row[1] != dim:
            msg = (
                f"The embedding cache {self.path} holds {row[1]}-dimensional vectors for model "
                f"{model!r}, but {dim}-dimensional ones arrived. Two different models share one id: "
                "call cache.clear(model) or use another cache directory."
            )
            raise CacheError(msg)
        return row

    # -- public API ------------------------------------------------------------------------
    def get(
        self, model: str, texts: Sequence[str] | None = None, *, keys: Sequence[bytes] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Look up texts (or their precomputed :func:`text_key` digests).

        Returns
        -------
        found : ndarray of bool, shape (n,)
        vectors : ndarray of float32, shape (found.sum(), dim)
            The vectors of the found texts, in input order.
        """
        if keys is None:
            keys = [text_key(t) for t in (texts or [])]
        n = len(keys)
        try:
            row = self._model_row(model, None)
        except sqlite3.Error as exc:
            raise self._error("read from", exc) from exc
        if row is None or n == 0:
            return np.zeros(n, dtype=bool), np.zeros((0, row[1] if row else 0), dtype=np.float32)
        model_id, dim = row
        conn = self._conn()
        blobs: dict[bytes, bytes] = {}
        try:
            conn.execute("BEGIN")  # one read snapshot for the whole lookup
            try:
                for start in range(0, n, _CHUNK):
                    chunk = keys[start : start + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    sql = f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({marks})"
                    blobs.update(conn.execute(sql, (model_id, *chunk)).fetchall())
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error("read from", exc) from exc
        found = np.fromiter((k in blobs for k in keys), dtype=bool, count=n)
        data = b"".join(blobs[k] for k in keys if k in blobs)
        vectors = np.frombuffer(data, dtype="<f4").reshape(-1, dim).astype(np.float32, copy=True)
        return found, vectors

    def put(
        self,
        model: str,
        texts: Sequence[str] | None,
        vectors: np.ndarray,
        *,
        keys: Sequence[bytes] | None = None,
    ) -> int:
        """Store vectors (one row per text); existing entries are kept. Returns the rows given."""
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        if keys is None:
            keys = [text_key(t) for t in (texts or [])]
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            msg = f"put() needs one vector per text: got {len(keys)} texts and an array of shape {vectors.shape}."
            raise ValueError(msg)
        if not len(keys):
            return 0
        if not np.isfinite(vectors).all():
            msg = "put() refuses non-finite vectors (NaN or inf): the model produced invalid output."
            raise ValueError(msg)
        conn = self._conn()
        try:
            model_id = self._model_row(model, vectors.shape[1])[0]
            rows = ((model_id, k, v.tobytes()) for k, v in zip(keys, vectors, strict=True))
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now: waits politely for other writers
            try:
                conn.executemany("INSERT OR IGNORE INTO vectors (model, key, vec) VALUES (?, ?, ?)", rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error("write to", exc) from exc
        return len(keys)

    def _error(self, action: str, exc: Exception) -> CacheError:
        return CacheError(
            f"Cannot {action} the embedding cache at {self.path}: {exc}. If another process holds it "
            f"for longer than timeout={self.timeout:g}s, retry; if the file is corrupt or read-only, "
            "delete it or point FEEDBACK_LAB_CACHE_DIR elsewhere; or pass cache=False."
        )

    def models(self) -> dict[str, int]:
        """``{model id: dimension}`` of every model with cached vectors."""
        return dict(self._conn().execute("SELECT name, dim FROM models ORDER BY name").fetchall())

    def count(self, model: str | None = None) -> int:
        """Number of cached vectors (of one model, or of all)."""
        conn = self._conn()
        if model is None:
            return int(conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        row = self._model_row(model, None)
        if row is None:
            return 0
        return int(conn.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (row[0],)).fetchone()[0])

    def __len__(self) -> int:
        return self.count()

    def clear(self, model: str | Iterable[str] | None = None) -> None:
        """Delete the vectors of one model (or several), or everything when ``model`` is None."""
        conn = self._conn()
        names = [model] if isinstance(model, str) else (None if model is None else list(model))
        conn.execute("BEGIN IMMEDIATE")
        if names is None:
            conn.execute("DELETE FROM vectors")
            conn.execute("DELETE FROM models")
        else:
            for name in names:
                row = self._model_row(name, None)
                if row is not None:
                    conn.execute("DELETE FROM vectors WHERE model = ?", (row[0],))
                    conn.execute("DELETE FROM models WHERE id = ?", (row[0],))
        conn.execute("COMMIT")

"""Progress bars (``tqdm.auto``) for long work: shown when asked (``show_progress=True``), or by
default (``None``) when the work is large and somebody is watching (a notebook kernel, or a
terminal on stderr); never with ``False``.

:class:`FileProgress` is the bar of ``read_traces``: it counts the bytes of the files being read.
A reader reports how far it is in a file through :func:`file_ticker` (a no-op unless a bar is
open), so that the per-record readers move the bar while they work, and a file read in one go
(polars) moves it when it is done.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

__all__ = ["LOAD_PROGRESS_MIN_BYTES", "TICK_EVERY", "FileProgress", "file_ticker", "interactive", "load_progress",
           "ticking"]

#: ``show_progress=None``: a loading bar only for inputs of at least this many bytes on disk
LOAD_PROGRESS_MIN_BYTES = 32 * 1024 * 1024
#: per-record readers report their position every this many records
TICK_EVERY = 2000

_ACTIVE: ContextVar[FileProgress | None] = ContextVar("feedback_lab_load_progress", default=None)


def interactive() -> bool:
    """True in a notebook kernel or when stderr is a terminal (where a bar is seen, not logged)."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class FileProgress:
    """A ``tqdm`` bar over the bytes of ``files`` (their size on disk, so a ``.gz`` counts
    compressed). :meth:`at` moves it to a fraction of one file (never backwards); :meth:`done`
    completes files.

    Examples
    --------
    >>> import io, pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_bytes(b"x" * 1000)
    >>> bar = FileProgress([p], file=io.StringIO())
    >>> bar.at(p, 0.25); bar.at(p, 0.1); bar.bar.n
    250
    >>> bar.done([p]); bar.bar.n, bar.bar.total
    (1000, 1000)
    >>> bar.close()
    """

    def __init__(self, files: Iterable[Path], *, desc: str = "reading", file: Any = None) -> None:
        from tqdm.auto import tqdm

        self.sizes = {str(p): _size(p) for p in files}
        self.seen = dict.fromkeys(self.sizes, 0)
        self.current: str | None = None
        self.bar = tqdm(total=sum(self.sizes.values()), desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                        file=file)

    def at(self, path: Path | str, fraction: float) -> None:
        key = str(path)
        size = self.sizes.get(key)
        if size is None:
            return
        if key != self.current:  # the file being read, after the bar
            self.current = key
            self.bar.set_postfix_str(Path(key).name, refresh=False)
        n = int(size * min(max(fraction, 0.0), 1.0))
        if n > self.seen[key]:
            self.bar.update(n - self.seen[key])
            self.seen[key] = n

    def done(self, paths: Iterable[Path | str]) -> None:
        for p in paths:
            self.at(p, 1.0)

    def close(self) -> None:
        self.bar.close()


def _size(p: Path) -> int:
    try:
        return Path(p).stat().st_size
    except OSError:
        return 0


@contextmanager
def load_progress(files: list[Path], show: bool | None) -> Iterator[FileProgress | None]:
    """Open a :class:`FileProgress` over ``files`` for the duration (``None``: when they hold at
    least :data:`LOAD_PROGRESS_MIN_BYTES` and :func:`interactive`); readers find it through
    :func:`file_ticker`."""
    if show is None:
        show = sum(_size(p) for p in files) >= LOAD_PROGRESS_MIN_BYTES and interactive()
    if not show:
        yield None
        return
    bar = FileProgress(files)
    token = _ACTIVE.set(bar)
    try:
        yield bar
    finally:
        _ACTIVE.reset(token)
        bar.close()


def file_ticker(path: Path | str) -> Callable[[float], None] | None:
    """``tick(fraction)`` reporting how far a reader is in ``path``, or ``None`` when no bar is open
    (readers skip their bookkeeping then)."""
    bar = _ACTIVE.get()
    if bar is None:
        return None
    return lambda fraction: bar.at(path, fraction)


def ticking(items: Any, path: Path | str, total: int | None = None) -> Any:
    """``items`` as they are, or, while a loading bar is open, an iterator over them that reports
    every :data:`TICK_EVERY`-th item as a position in ``path`` (its number over ``total``, by
    default ``len(items)``)."""
    tick = file_ticker(path)
    if tick is None:
        return items
    return _ticked(items, tick, len(items) if total is None else total)


def _ticked(items: Iterable, tick: Callable[[float], None], total: int) -> Iterator:
    for i, item in enumerate(items, start=1):
        if i % TICK_EVERY == 0:
            tick(i / total)
        yield item

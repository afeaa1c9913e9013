"""Shared plumbing of ``fl.scale``: importing Ray, connecting to a cluster, turning inputs into datasets."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from feedback_lab._deps import import_optional
from feedback_lab.exceptions import ColumnNotFoundError, FeedbackLabError, UnreadableFileError

__all__ = ["RayConnectionError", "as_dataset", "check_capacity", "connect", "require_columns", "require_ray"]

_PARQUET = (".parquet", ".pq")
_JSONL = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")


class RayConnectionError(FeedbackLabError, ConnectionError):
    """The Ray cluster named by ``ray_address`` cannot be reached."""


def require_ray(feature: str):
    """Import ``ray.data`` or raise :class:`~feedback_lab.exceptions.MissingDependencyError`.

    The message names the extra to install: ``pip install "feedback_lab[ray]"``.
    """
    import_optional("ray", feature=feature, extra="ray")
    return import_optional("ray.data", feature=feature, extra="ray")


def connect(address: str | None = None, *, feature: str = "fl.scale") -> Any:
    """Connect to Ray once per process and return the ``ray`` module.

    Parameters
    ----------
    address : str, optional
        None: use the running Ray session, else start a local one (all cores, no dashboard).
        ``"auto"``: a cluster already started on this machine (``ray start --head``).
        ``"host:6379"``: the GCS of a remote cluster; ``"ray://host:10001"``: Ray Client.

    Raises
    ------
    RayConnectionError
        Subclass of ConnectionError; says which address failed and how to check it.
    """
    require_ray(feature)
    import ray

    if ray.is_initialized():
        return ray
    if address not in (None, "auto", "local"):
        _probe(str(address), feature)
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    try:
        if address is None:
            ray.init(**kwargs)
        else:
            ray.init(address=str(address), **kwargs)
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError, TimeoutError: all "cannot connect"
        where = "start a local Ray instance" if address is None else f"connect to the Ray cluster at {address!r}"
        msg = (
            f"{feature}: cannot {where} ({type(exc).__name__}: {str(exc).strip()[:300]}). Check that the "
            "cluster is up (`ray status` on the head node) and that the address is the head's GCS "
            "address 'host:6379' (or 'ray://host:10001' for Ray Client, or 'auto' for a cluster "
            "started on this machine with `ray start --head`); or run with engine='local'."
            + ray_start_hint()
        )
        raise RayConnectionError(msg) from exc
    return ray


def ray_start_hint() -> str:
    """A known cause of a local Ray that does not start, when it applies, else ``""``.

    Ray's dashboard agent imports ``opentelemetry.metrics`` whenever an ``opentelemetry`` package
    is importable, and only handles its absence: a lone ``opentelemetry-proto`` (or another
    ``opentelemetry-*`` package without ``opentelemetry-api``) makes the agent exit, and the
    raylet then times out ("The current node timed out during startup").
    """
    from importlib.util import find_spec

    try:
        clash = find_spec("opentelemetry") is not None and find_spec("opentelemetry.metrics") is None
    except (ImportError, ValueError):
        clash = False
    if not clash:
        return ""
    return (" An `opentelemetry` package without `opentelemetry-api` is installed (opentelemetry-proto alone, "
            "for example), which stops Ray's dashboard agent from starting: `pip install opentelemetry-api "
            "opentelemetry-sdk opentelemetry-exporter-prometheus`, or uninstall it.")


def _probe(address: str, feature: str, timeout: float = 5.0) -> None:
    """Fail fast on an address nothing listens on (``ray.init`` would retry for minutes)."""
    import socket

    hostport = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        msg = (
            f"{feature}: ray_address {address!r} is not of the form 'host:port' (e.g. '10.0.0.5:6379'), "
            "'ray://host:10001' or 'auto'."
        )
        raise RayConnectionError(msg)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        msg = (
            f"{feature}: nothing answers at the Ray address {address!r} ({exc}). Check that the cluster "
            "is up (`ray status` on the head node), that this machine can reach host and port, and "
            "that the port is the head's GCS port (6379 by default; 10001 for 'ray://'); or run "
            "with engine='local'."
        )
        raise RayConnectionError(msg) from exc


def check_capacity(resources: dict, workers: int, cpus_per_worker: float, *, func: str) -> None:
    """Refuse a worker pool that would hold every CPU: reading and writing tasks would wait forever."""
    total = float(resources.get("CPU", 0))
    if workers * cpus_per_worker > total - 1:
        msg = (
            f"{func}: {workers} workers x {cpus_per_worker:g} CPUs leave fewer than one of the cluster's "
            f"{total:g} CPUs for reading and writing, so the job would stall. Use fewer workers "
            "(concurrency=...) or fewer CPUs per worker (num_cpus_per_worker=0.5)."
        )
        raise ValueError(msg)


def require_columns(ds: Any, needed: dict[str, str], *, func: str) -> list[str]:
    """Check that the dataset has the columns ``{column: what it is for}``; return its columns."""
    from feedback_lab._validation import did_you_mean

    schema = ds.schema()
    names = list(schema.names) if schema is not None else []
    for col, role in needed.items():
        if col not in names:
            msg = (
                f"{func}: the dataset has no column {col!r} ({role}); its columns are {names}."
                f"{did_you_mean(col, names)}"
            )
            raise ColumnNotFoundError(msg)
    return names


def _expand(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        if "://" in p:  # s3://, gs://, abfs://: Ray's file systems resolve them (directories too)
            out.append(p)
            continue
        p = os.path.expanduser(p)
        if any(ch in p for ch in "*?["):
            hits = sorted(glob.glob(p, recursive=True))
            if not hits:
                msg = f"No file matches the pattern {p!r}. Check the path and the glob (e.g. 'exports/*.parquet')."
                raise UnreadableFileError(msg)
            out.extend(hits)
        elif not os.path.exists(p):
            msg = f"{p!r} does not exist. Pass Parquet or JSONL files, a directory of them, or a glob."
            raise UnreadableFileError(msg)
        else:
            out.append(os.path.abspath(p))
    return out


def _kind(path: str) -> str:
    low = path.lower()
    if low.endswith(_PARQUET):
        return "parquet"
    if low.endswith(_JSONL):
        return "json"
    if os.path.isdir(path):
        names = [f.lower() for f in os.listdir(path)]
        if any(f.endswith(_PARQUET) for f in names):
            return "parquet"
        if any(f.endswith(_JSONL) for f in names):
            return "json"
        msg = f"The directory {path!r} holds no .parquet or .jsonl files."
        raise UnreadableFileError(msg)
    if "://" in path:
        return "parquet"  # a remote prefix: Parquet is what object stores hold
    msg = f"Cannot tell the format of {path!r}: expected a .parquet, .jsonl (.json, .ndjson, optionally .gz) file."
    raise UnreadableFileError(msg)


def as_dataset(source: Any, *, func: str, rows_per_block: int = 1024) -> Any:
    """A ``ray.data.Dataset`` from a dataset, a pandas/polars/Arrow frame, or Parquet/JSONL path(s)/glob.

    In-memory frames are cut into blocks of ``rows_per_block`` rows so that several workers get work.
    """
    rd = require_ray(func)
    if isinstance(source, rd.Dataset):
        return source
    mod = type(source).__module__
    if mod.startswith(("pandas", "polars", "pyarrow")):
        import pyarrow as pa

        if mod.startswith("pandas"):
            table = pa.Table.from_pandas(source, preserve_index=False)
        elif mod.startswith("polars"):
            table = source.to_arrow()
        else:
            table = source if isinstance(source, pa.Table) else pa.table(source)
        step = max(1, int(rows_per_block))
        parts = [table.slice(i, step) for i in range(0, table.num_rows, step)] or [table]
        return rd.from_arrow(parts)
    if isinstance(source, (str, os.PathLike)):
        paths = [os.fspath(source)]
    elif isinstance(source, (list, tuple)) and source and all(isinstance(p, (str, os.PathLike)) for p in source):
        paths = [os.fspath(p) for p in source]
    else:
        msg = (
            f"{func}: source must be a ray.data.Dataset, a pandas/polars/Arrow frame, or Parquet/JSONL "
            f"path(s) or a glob; got {type(source).__name__}."
        )
        raise TypeError(msg)
    files = _expand(paths)
    kinds = {_kind(p) for p in files}
    if len(kinds) > 1:
        msg = f"{func}: mixed formats in {files[:4]}...; pass Parquet and JSONL files in separate calls."
        raise UnreadableFileError(msg)
    if kinds == {"parquet"}:
        return rd.read_parquet(files)
    return rd.read_json(files, lines=True)


def output_dir(output: str | os.PathLike, *, func: str) -> str:
    """Absolute local path (created) or a remote URI, refusing to write into a non-empty local directory."""
    out = os.fspath(output)
    if "://" in out:
        return out
    p = Path(out).expanduser().absolute()
    if p.exists() and (not p.is_dir() or any(p.iterdir())):
        msg = f"{func}: the output {str(p)!r} exists and is not an empty directory; pass a new directory."
        raise FileExistsError(msg)
    p.mkdir(parents=True, exist_ok=True)
    return str(p)

"""What LangChain's ``langsmith-fetch`` CLI writes -> LangSmith runs and feedback records, for
:mod:`feedback_lab.io._langsmith`.

``langsmith-fetch`` (PyPI, github.com/langchain-ai/langsmith-fetch) saves a trace as the chat
messages the LangSmith API extracts from it (``GET /runs/{id}?include_messages=true``), not as
runs:

* ``traces DIR`` / ``trace ID --file F``: the messages, ``[{"role": ...} | {"type": "human", ...}]``,
  one file per trace named ``<trace_id>.json`` (``--filename-pattern`` may name it otherwise);
* with ``--include-metadata`` (and ``--include-feedback``): ``{"trace_id", "messages", "metadata":
  {status, start_time, end_time, duration_ms, custom_metadata, token_usage, costs,
  first_token_time, feedback_stats}, "feedback": [{id, key, score, value, comment, correction,
  created_at}]}``;
* ``traces --limit N --file F`` (``N > 1``): an array of those, one per trace;
* ``threads DIR`` / ``thread ID``: a conversation's messages (``{"thread_id", ...}`` with metadata).

Each trace (or thread) becomes one root run whose inputs are the messages up to the last user
message and whose outputs are the messages after it: the trace's input is that user message, its
output the assistant's last reply, and the span keeps every message. Its id is ``trace_id`` (or
``thread_id``), else the file name for a bare list of messages (the tool's default names it by the
trace id), with ``#k`` for the k-th trace of an array without ids. Metadata gives the times,
status, token counts, cost and, from ``custom_metadata``, session (``thread_id`` ...), user and
model. The tool's feedback records carry no ``feedback_source``: their annotator kind is unknown
(null).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from feedback_lab.io._common import open_bytes
from feedback_lab.io._messages import _MESSAGE_TYPES, _USER, _role

__all__ = ["fetch_records", "sniff_fetch"]

#: largest file parsed whole to check that it is this tool's output (one trace per file, or a few)
_MAX_BYTES = 256 * 1024 * 1024
_ID_KEYS = ("trace_id", "thread_id")
_TRACE_HEAD = re.compile(rb'^\[?\s*\{\s*"(?:trace|thread)_id"\s*:\s*"[^"]*"\s*,\s*"messages"\s*:\s*\[')
_MESSAGE_HEAD = re.compile(rb'^\[\s*\[?\s*\{\s*"(?:role|content|type)"\s*:')
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def sniff_fetch(path: Path, head: bytes) -> float:
    """Confidence that a JSON file is ``langsmith-fetch`` output (0 when it is not).

    Examples
    --------
    >>> sniff_fetch(Path("t.json"), b'{"trace_id": "1", "messages": [], "metadata": {}}')
    0.9
    >>> sniff_fetch(Path("t.json"), b'[{"role": "user", "content": "Hi"}]'), sniff_fetch(Path("t.json"), b'[1, 2]')
    (0.6, 0.0)
    """
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _TRACE_HEAD.match(h):
        return 0.9
    if _MESSAGE_HEAD.match(h) and _is_message_list_head(h):
        return 0.6
    if h.rstrip() == b"[]" and _UUID.match(path.name.split(".")[0]):
        return 0.3  # a trace without messages, saved as <trace_id>.json
    return 0.0


def _is_message_list_head(h: bytes) -> bool:
    """The first object of the array looks like a chat message: a role, or LangChain's dump."""
    first = h[:4096]
    return (re.search(rb'"role"\s*:\s*"(?:user|assistant|system|tool|developer|function)"', first) is not None
            or (b'"additional_kwargs"' in first and re.search(rb'"type"\s*:\s*"(?:human|ai|system|tool)"', first)
                is not None))


def _is_messages(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(m, dict) and _role(m) in _MESSAGE_TYPES for m in v)


def _is_trace(v: Any) -> bool:
    return isinstance(v, dict) and isinstance(v.get("messages"), list) and any(k in v for k in _ID_KEYS) and (
        set(v) <= {*_ID_KEYS, "messages", "metadata", "feedback"})


def fetch_records(path: Path) -> list[tuple[int, dict, list[dict]]] | None:
    """``(line, run, feedback records)`` for each trace of a ``langsmith-fetch`` file, in the shapes
    :mod:`feedback_lab.io._langsmith` reads (``line``: the trace's place in an array, else 1);
    ``None`` when the file is something else."""
    if path.stat().st_size > _MAX_BYTES:
        return None
    data = open_bytes(path)
    if not sniff_fetch(path, data[:4096]):
        return None
    try:  # strict UTF-8: json.loads(bytes) would let an encoded surrogate through
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None  # damaged: the record reader says where
    stem = path.name.split(".")[0]
    if _is_trace(doc) or _is_messages(doc):
        items = [doc]
    elif isinstance(doc, list) and doc and all(_is_trace(x) or _is_messages(x) for x in doc):
        items = doc
    else:
        return None
    out = []
    for k, item in enumerate(items, start=1):
        fallback = stem if len(items) == 1 else f"{stem}#{k}"
        out.append((k, *_run(item, fallback)))
    return out


def _run(item: dict | list, fallback_id: str) -> tuple[dict, list[dict]]:
    if isinstance(item, list):
        item = {"messages": item}
    thread = item.get("thread_id")
    tid = str(item.get("trace_id") or thread or fallback_id)
    msgs = [m for m in item["messages"] if isinstance(m, dict)]
    last_user = max((i for i, m in enumerate(msgs) if _role(m) in _USER), default=None)
    inputs, outputs = (msgs, []) if last_user is None else (msgs[:last_user + 1], msgs[last_user + 1:])
    meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
    custom = meta.get("custom_metadata") if isinstance(meta.get("custom_metadata"), dict) else {}
    custom = dict(custom)
    if thread and not any(k in custom for k in ("session_id", "thread_id", "conversation_id")):
        custom["thread_id"] = thread  # a thread is a session
    usage = meta.get("token_usage") if isinstance(meta.get("token_usage"), dict) else {}
    costs = meta.get("costs") if isinstance(meta.get("costs"), dict) else {}
    run = {"id": tid, "trace_id": tid, "name": None, "run_type": None,
           "start_time": meta.get("start_time"), "end_time": meta.get("end_time"), "status": meta.get("status"),
           "inputs": {"messages": inputs} if inputs else None, "outputs": {"messages": outputs} if outputs else None,
           "prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens"),
           "total_cost": costs.get("total_cost"), "extra": {"metadata": custom}}
    feedback = [{**f, "run_id": tid, "trace_id": tid} for f in item.get("feedback") or [] if isinstance(f, dict)]
    return run, feedback

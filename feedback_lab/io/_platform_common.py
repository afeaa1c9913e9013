"""Helpers shared by the platform loaders (Phoenix, OTel, Braintrust, Latitude, Helicone).

Value coercion (ids, numbers), dotted flattening, chat-message text extraction and JSON record
iteration with rejects. Building the frames is in :mod:`feedback_lab.io._platform_frames`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from feedback_lab.io._common import RAW_LIMIT, Rejects, iter_json_records, loads_deep, open_bytes

__all__ = [
    "BadRecord",
    "as_float",
    "as_int",
    "as_str",
    "denormalize",
    "flatten_dotted",
    "jdump",
    "json_records",
    "messages_text",
    "nest_dotted",
    "text_of",
    "warn_more_pages",
]

#: extra per-trace columns a span row may carry (taken from the root span first)
TRACE_EXTRAS = ("session_id", "user_id", "prompt_version", "task", "reference", "tags", "metadata",
                "cost", "source")


#: span kinds the platforms use that :data:`feedback_lab.io._spans.KIND_ALIASES` lacks
EXTRA_KINDS = {"invoke_workflow": "chain", "eval": "chain", "score": "evaluator", "review": "evaluator",
               "automation": "chain", "facet": "evaluator", "classifier": "evaluator",
               "preprocessor": "chain"}


class BadRecord(ValueError):
    """A record that cannot become a row; the message is the reject reason."""


def jdump(value: Any) -> str | None:
    """JSON text of ``value`` (``None`` stays ``None``; strings are returned as-is)."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:RAW_LIMIT]


def as_str(value: Any, what: str) -> str | None:
    """An id or name: strings and integers are accepted, anything else is a :class:`BadRecord`."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadRecord(f"{what} must be a string, got {type(value).__name__} {jdump(value)[:80]!r}")


def as_float(value: Any, what: str) -> float | None:
    """A number (numeric strings such as ClickHouse's quoted Int64 are accepted)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            raise BadRecord(f"{what} must be a number, got {value[:80]!r}") from None
    else:
        raise BadRecord(f"{what} must be a number, got {type(value).__name__}")
    if math.isnan(f):
        return None
    if math.isinf(f):
        raise BadRecord(f"{what} must be finite, got {value!r}")
    return f


def as_int(value: Any, what: str) -> int | None:
    f = as_float(value, what)
    if f is None:
        return None
    if abs(f) > 2**62:
        raise BadRecord(f"{what} is out of range: {value!r}")
    return round(f)


def flatten_dotted(obj: Any, prefix: str = "", out: dict[str, Any] | None = None,
                   depth: int = 0, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Flatten nested dicts to dotted keys (lists, and dicts under a key in ``keep``, stay values).

    Examples
    --------
    >>> flatten_dotted({"llm": {"model_name": "m", "token_count": {"prompt": 3}}, "a.b": 1})
    {'llm.model_name': 'm', 'llm.token_count.prompt': 3, 'a.b': 1}
    """
    if out is None:
        out = {}
    if isinstance(obj, dict) and depth < 32:
        for k, v in obj.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v and key not in keep:
                flatten_dotted(v, key, out, depth + 1, keep)
            else:
                out[key] = v
    elif prefix:
        out[prefix] = obj
    return out


def nest_dotted(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``, the inverse of :func:`flatten_dotted` (a key that is
    both a value and a prefix stays dotted).

    Examples
    --------
    >>> nest_dotted({"prompt.version": "2", "prompt.id": "p", "user": "u", "user.name": "n"})
    {'prompt': {'version': '2', 'id': 'p'}, 'user': 'u', 'user.name': 'n'}
    """
    out: dict[str, Any] = {}
    for k, v in flat.items():
        *head, last = k.split(".")
        node: Any = out
        for h in head:
            node = node.setdefault(h, {}) if isinstance(node, dict) else None
        if isinstance(node, dict) and not isinstance(node.get(last), dict):
            node[last] = v
        else:
            out[k] = v
    return out


def denormalize(rec: Any, *, decode: bool = False) -> Any:
    """A record that ``pandas.json_normalize`` flattened (``{"feedback_source.type": "api"}``) nested
    back (``{"feedback_source": {"type": "api"}}``), for the record-based readers, whose platforms
    never put a dot in a top-level key; other records are returned as they are.

    A table cannot tell a null leaf from an absent key, so null leaves are left out (a field whose
    leaves are all null is absent, as in a record that never had it). With ``decode`` (a CSV
    row), a leaf that holds a JSON object or array is decoded: a CSV cell is always text.

    Examples
    --------
    >>> denormalize({"key": "x", "feedback_source.type": "api", "correction.output": None})
    {'key': 'x', 'feedback_source': {'type': 'api'}}
    >>> denormalize({"subject.kind": "trace", "tags": '["a"]'}, decode=True), denormalize({"a": 1})
    ({'tags': '["a"]', 'subject': {'kind': 'trace'}}, {'a': 1})
    >>> denormalize({"inputs.messages": '[{"role": "user"}]'}, decode=True)
    {'inputs': {'messages': [{'role': 'user'}]}}
    """
    if not isinstance(rec, dict) or not any(isinstance(k, str) and "." in k for k in rec):
        return rec
    flat, dotted = {}, {}
    for k, v in rec.items():
        if not isinstance(k, str) or "." not in k or k.startswith(".") or k.endswith("."):
            flat[k] = v
        elif v is not None:
            if decode and isinstance(v, str) and v.lstrip()[:1] in ("{", "["):
                try:
                    v = json.loads(v)
                except (ValueError, RecursionError):
                    pass
            dotted[k] = v
    nested = nest_dotted(dotted)
    flat = {k: v for k, v in flat.items() if v is not None or k not in nested}  # an empty object's column
    return {**flat, **nested} if not set(nested) & set(flat) else {**flat, **dotted}


def _content_text(content: Any) -> str | None:
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, str):
                parts.append(p)
            elif isinstance(p, dict):
                t = p.get("text", p.get("content"))
                if isinstance(t, str):
                    parts.append(t)
                elif isinstance(p.get("message_content"), dict):  # OpenInference contents
                    t = p["message_content"].get("text")
                    if isinstance(t, str):
                        parts.append(t)
        return "".join(parts) if parts else None
    return None


def _msg_fields(m: dict) -> tuple[str | None, str | None]:
    if isinstance(m.get("message"), dict):  # OpenInference {"message": {...}} / OpenAI choice
        m = m["message"]
    role = m.get("role", m.get("message.role"))
    if "parts" in m:
        text = _content_text(m["parts"])
    else:
        text = _content_text(m.get("content", m.get("message.content", m.get("text"))))
        if text is None and isinstance(m.get("message.contents"), list):
            text = _content_text(m["message.contents"])
    return (role if isinstance(role, str) else None), text


def messages_text(value: Any, side: str) -> str | None:
    """The text of a chat-message list: the last user message (``side="input"``) or the
    assistant messages joined (``side="output"``); ``None`` when ``value`` is not messages.

    Examples
    --------
    >>> msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    >>> messages_text(msgs, "input")
    'Hi?'
    >>> messages_text([{"index": 0, "message": {"role": "assistant", "content": "Yes."}}], "output")
    'Yes.'
    """
    if isinstance(value, dict):
        if isinstance(value.get("messages"), list):
            value = value["messages"]
        elif isinstance(value.get("choices"), list):
            value = value["choices"]
        else:
            return None
    if not isinstance(value, list) or not value or not all(isinstance(m, dict) for m in value):
        return None
    fields = [_msg_fields(m) for m in value]
    if not any(t is not None for _, t in fields):
        return None
    if side == "input":
        users = [t for r, t in fields if r in ("user", "human") and t is not None]
        if users:
            return users[-1]
        texts = [t for _, t in fields if t is not None]
        return texts[-1]
    outs = [t for r, t in fields if r in (None, "assistant", "ai", "model") and t is not None]
    if not outs:
        outs = [t for _, t in fields if t is not None]
    return "\n".join(outs)


def text_of(value: Any, side: str = "input") -> str | None:
    """Canonical text of an input/output value: strings as-is (JSON-encoded strings that hold a
    message list are reduced to their text), message lists to their text, other JSON to JSON text.

    Examples
    --------
    >>> text_of({"question": "Where?"})
    '{"question": "Where?"}'
    >>> text_of('[{"role": "user", "content": "Hello"}]')
    'Hello'
    """
    if value is None:
        return None
    if isinstance(value, str):
        s = value.lstrip()
        if s[:1] == "[" or s.startswith('{"messages"') or s.startswith('{"choices"') or s.startswith('{"text"'):
            decoded = loads_deep(value)
            t = text_of(decoded, side) if isinstance(decoded, (dict, list)) else None
            t = None if t == jdump(decoded) else t
            if t is not None:
                return t
        return value
    t = messages_text(value, side)
    if t is None and side == "output" and isinstance(value, dict) and isinstance(value.get("text"), str) \
            and set(value) <= {"text", "finish_reason", "role", "type"}:
        t = value["text"]  # a completion object {"text": ..., "finish_reason": ...}
    return t if t is not None else jdump(value)


def json_records(paths: list[Path], rejects: Rejects,
                 envelopes: tuple[str, ...] = ("data", "events", "items"), *, nest: bool = False):
    """Yield ``(file, line, raw, record)`` for every JSON object in JSON/JSONL files.

    A top-level object holding a list under one of ``envelopes`` (``{"data": [...]}``) yields the
    list's elements (``line`` = 1-based index). Invalid JSON, invalid UTF-8 and non-object records
    go to ``rejects``. With ``nest``, records that ``pandas.json_normalize`` flattened are nested
    back (:func:`denormalize`).
    """
    fix = denormalize if nest else (lambda r: r)
    from feedback_lab._progress import ticking

    for path in paths:
        data = open_bytes(path)
        try:
            items = list(iter_json_records(path, data, progress=False))
        except RecursionError:  # a whole-file JSON document nested deeper than Python's parser allows
            rejects.add(path, 1, "invalid JSON: nested too deeply", data[:RAW_LIMIT].decode("utf-8", "replace"))
            continue
        for line, raw, rec, err in ticking(items, path):  # a loading bar moves as the records are taken
            if err is not None:
                rejects.add(path, line, err, raw)
                continue
            if isinstance(rec, dict):
                env = next((k for k in envelopes if isinstance(rec.get(k), list)), None)
                if env is not None and line == 1 and data.lstrip()[:1] == b"{" and _is_single_doc(data):
                    warn_more_pages(path, rec, len(rec[env]))
                    for i, el in enumerate(rec[env], start=1):
                        if isinstance(el, dict):
                            yield path, i, None, fix(el)
                        else:
                            rejects.add(path, i, f"{env}[{i - 1}] is a {type(el).__name__}, expected an object", el)
                    continue
                yield path, line, raw, fix(rec)
            else:
                rejects.add(path, line, f"expected a JSON object, got {type(rec).__name__}", raw)


#: the keys by which a saved API page says more pages follow (Phoenix, LangSmith: ``next_cursor``;
#: Latitude: ``nextCursor``/``hasMore``). Braintrust's ``cursor`` is sent with every non-empty page,
#: the last one too, so it says nothing.
_NEXT_PAGE = ("next_cursor", "nextCursor", "next_page_token", "nextPageToken")


def warn_more_pages(path: Path, doc: dict, n: int) -> None:
    """Warn when a saved API page (``doc``, holding ``n`` records) says the API has more pages.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_more_pages(Path("runs.json"), {"items": [1, 2], "next_cursor": "2"}, 2)
    ...     warn_more_pages(Path("spans.json"), {"data": [1], "next_cursor": None}, 1)
    >>> [str(x.message)[:75] for x in w]
    ['runs.json: a saved API page of 2 record(s) whose response says more follow ']
    """
    import warnings

    more = next((f"{k} {doc[k]!r}" for k in _NEXT_PAGE if doc.get(k) not in (None, "")), None)
    if more is None and doc.get("hasMore") is True:
        more = "hasMore true"
    if more is None and isinstance(doc.get("cursors"), dict) and doc["cursors"].get("next"):  # LangSmith v1
        more = f"cursors.next {doc['cursors']['next']!r}"
    if more is not None:
        warnings.warn(f"{path}: a saved API page of {n} record(s) whose response says more follow ({more}): the "
                      "other pages are not in this file. Save every page (the SDKs' list iterators fetch them all) "
                      "and read them together.", UserWarning, stacklevel=5)


def _is_single_doc(data: bytes) -> bool:
    """True when the whole file is one JSON document (not JSONL)."""
    s = data.strip()
    return s.count(b"\n") == 0 or (not s.endswith(b"}\n{") and b"}\n{" not in s)

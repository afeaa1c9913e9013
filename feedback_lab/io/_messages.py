"""Readable text from the chat payloads platforms store as a trace's input/output.

Exports keep whatever the SDK sent: a plain string, a list of chat messages (OpenAI, Anthropic,
Gemini ``parts``, OTel GenAI ``parts``, LangChain serialised messages), an API response
(``choices``, ``candidates``, Responses ``output``), or a dict such as ``{"messages": [...]}`` or
``{"prompt": ...}``; often JSON-encoded as a string, sometimes twice. :func:`to_text` returns
the text a reviewer reads: the last user message of an input, the assistant's reply of an
output. When nothing readable is found the compact JSON is returned, so no text is lost (the
full payload stays in ``spans``).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from feedback_lab.io._common import loads_deep

__all__ = ["to_json_text", "to_text"]

_USER = {"user", "human", "humanmessage", "usermessage"}
_ASSISTANT = {"assistant", "ai", "model", "bot", "aimessage", "assistantmessage", "aimessagechunk"}
_TEXT_PART_TYPES = {None, "text", "input_text", "output_text"}
#: ``type`` of a LangChain message as ``model_dump``/LangSmith serialise it (``{"content": ..., "type": "ai"}``)
_MESSAGE_TYPES = _USER | _ASSISTANT | {"system", "tool", "function", "chat"}
#: keys whose value is the payload's text even next to other keys (``{"messages": [...], "model": ...}``)
_WRAPPERS = ("messages", "new_message", "message", "prompt", "input", "inputs", "question", "query", "contents",
             "query_str")  # query_str: LlamaIndex's QueryBundle
#: keys that are the text only when they are the dict's only key (``{"output": "..."}``); a structured
#: answer such as ``{"answer": ..., "sources": [...]}`` stays JSON
_SOLE_KEYS = ("text", "content", "output", "outputs", "answer", "response", "result", "completion",
              "generation", "final_output", "chat_history")
_MAX_DEPTH = 8


def to_text(value: Any, side: Literal["input", "output"] = "input") -> str | None:
    """Readable text of a payload (see module docstring).

    Examples
    --------
    >>> msgs = '[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]'
    >>> to_text(msgs)
    'Hi?'
    >>> to_text({"choices": [{"message": {"role": "assistant", "content": "Hello!"}}]}, "output")
    'Hello!'
    >>> to_text('"\\\\"plain, encoded twice\\\\""')
    'plain, encoded twice'
    >>> to_text({"output": {"content": "Bonjour !", "type": "ai", "tool_calls": []}}, "output")
    'Bonjour !'
    >>> to_text({"output": {"message": {"role": "assistant", "content": [{"text": "4"}]}}, "stopReason": "end_turn"},
    ...         "output")
    '4'
    >>> to_text({"answer": "Yes.", "documents": None}, "output")  # keys a table gave every row: null here
    'Yes.'
    >>> to_text({"weird": 1})
    '{"weird": 1}'
    """
    v, last_text = value, None
    for _ in range(4):  # decode JSON-in-a-string layers, remembering the last text form
        if not isinstance(v, str):
            break
        last_text = v
        nxt = loads_deep(v, max_depth=1)
        if nxt is v or nxt == v:
            break
        v = nxt
    if v is None:
        return last_text
    if isinstance(v, str):
        return v
    try:
        got = _extract(v, side, 0)
    except RecursionError:  # pragma: no cover - depth is bounded
        got = None
    if isinstance(got, str) and got.strip():
        return got
    if isinstance(v, dict) and all(x is None for x in v.values()):  # {"output": null}: no text at all
        return None
    return last_text if last_text is not None else to_json_text(v)


def to_json_text(value: Any) -> str | None:
    """A payload as text for ``spans``: strings stay as they are, other values become compact JSON."""
    v = loads_deep(value)
    if v is None or isinstance(v, str):
        return v
    try:
        return json.dumps(v, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(v)


def _role(msg: dict) -> str | None:
    r = msg.get("role") or msg.get("type")
    if r == "constructor" and isinstance(msg.get("id"), list) and msg["id"]:
        r = msg["id"][-1]
    return str(r).lower() if r is not None else None


def _content(msg: Any, depth: int) -> str | None:
    """Text of one message (or of a content value)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(msg, str):
        return msg
    if isinstance(msg, list):
        texts = [t for t in (_part_text(p, depth + 1) for p in msg) if t]
        return "\n".join(texts) if texts else None
    if not isinstance(msg, dict):
        return None
    if msg.get("type") == "constructor" and isinstance(msg.get("kwargs"), dict):
        return _content(msg["kwargs"], depth + 1)
    for key in ("content", "parts", "text", "message"):
        if key in msg and msg[key] is not None:
            got = _content(msg[key], depth + 1)
            if got:
                return got
    return None


def _part_text(part: Any, depth: int) -> str | None:
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and part.get("type") in _TEXT_PART_TYPES:
        for key in ("text", "content"):
            if isinstance(part.get(key), str):
                return part[key]
        if isinstance(part.get("content"), list):
            return _content(part["content"], depth + 1)
    return None


def _is_messages(v: list) -> bool:
    return bool(v) and all(isinstance(m, dict) for m in v) and any(_role(m) for m in v) and any(
        ("content" in m or "parts" in m or "kwargs" in m or "text" in m) for m in v)


def _pick(messages: list[dict], side: str, depth: int) -> str | None:
    want = _USER if side == "input" else _ASSISTANT
    for m in reversed(messages):
        if _role(m) in want:
            got = _content(m, depth + 1)
            if got:
                return got
    if side == "output":  # e.g. Responses API items: the last message with text
        for m in reversed(messages):
            got = _content(m, depth + 1)
            if got:
                return got
    return None


def _extract(v: Any, side: str, depth: int) -> str | None:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(v, str):  # JSON text inside a payload: use it when it is a readable payload, else keep the text
        d = loads_deep(v)
        if isinstance(d, (dict, list)):
            return _extract(d, side, depth + 1) or v
        return d if isinstance(d, str) else v
    if isinstance(v, list):
        if _is_messages(v):
            return _pick(v, side, depth)
        if v and all(isinstance(x, str) for x in v) and len(v) == 1:
            return v[0]
        if v and all(isinstance(x, list) for x in v):  # LangChain generations [[{text}]]
            return _extract(v[-1], side, depth + 1)
        if v and all(isinstance(x, dict) for x in v):
            texts = [t for t in (_part_text(x, depth + 1) for x in v) if t]
            return texts[-1] if texts else None
        return None
    if not isinstance(v, dict):
        return None
    if isinstance(v.get("choices"), list) and v["choices"]:
        c = v["choices"][0]
        if isinstance(c, dict):
            return _content(c.get("message") or c.get("delta") or c, depth + 1) or (
                c.get("text") if isinstance(c.get("text"), str) else None)
    if isinstance(v.get("candidates"), list) and v["candidates"]:
        c = v["candidates"][0]
        return _content(c.get("content") if isinstance(c, dict) else c, depth + 1)
    if isinstance(v.get("output"), list) and any(isinstance(x, dict) and x.get("type") == "message" for x in v["output"]):
        return _pick([x for x in v["output"] if isinstance(x, dict) and x.get("type") == "message"], "output", depth)
    out = v.get("output")
    if isinstance(out, dict) and isinstance(out.get("message"), dict):  # AWS Bedrock's Converse response
        return _content(out["message"], depth + 1)
    if isinstance(v.get("generations"), list):
        return _extract(v["generations"], side, depth + 1)
    if ("role" in v or v.get("type") == "constructor" or _role(v) in _MESSAGE_TYPES) and (
            "content" in v or "parts" in v or "kwargs" in v):  # a message; LangChain's dump has ``type: "ai"``
        return _content(v, depth + 1)
    if "parts" in v:
        return _content(v["parts"], depth + 1)
    c = v.get("content")
    if isinstance(c, dict) and ("parts" in c or "role" in c):  # Gemini / ADK response event
        return _content(c, depth + 1)
    for key in _WRAPPERS:
        if key in v and v[key] is not None:
            got = _extract(v[key], side, depth + 1)
            if got:
                return got
    live = [k for k, x in v.items() if x is not None]  # a frame's struct column gives every row all keys, null or not
    if len(live) == 1 and live[0] in _SOLE_KEYS:
        return _extract(v[live[0]], side, depth + 1)
    if isinstance(v.get("args"), list) and v["args"] and isinstance(v["args"][0], str):
        return v["args"][0]
    return None

"""Span attributes of OpenInference (Phoenix) and OpenTelemetry GenAI (``gen_ai.*``) -> canonical fields.

:data:`ALIASES` lists, per canonical field, the attribute keys that carry it, most specific
first. The OTLP reader looks them up in a dict per span (:func:`span_fields`); the Phoenix reader
coalesces the matching ``attributes.<key>`` columns.

:func:`attribute_feedback` reads the OpenInference feedback attributes
(``annotations.<i>.annotation.<field>``, ``trace.annotations.…``, ``session.annotations.…`` and
``evaluations.<i>.evaluation.<field>``, spec ``spec/annotations_and_evaluations.md`` of
Arize-ai/openinference) that instrumented apps set on spans and that Phoenix's span download
adds to the spans it writes.
"""

from __future__ import annotations

import re
from typing import Any

from feedback_lab.io._common import loads_deep
from feedback_lab.io._platform_common import (
    BadRecord,
    as_float,
    as_int,
    as_str,
    jdump,
    messages_text,
    nest_dotted,
    text_of,
)

__all__ = ["ALIASES", "attribute_feedback", "span_fields"]

ALIASES: dict[str, tuple[str, ...]] = {
    # traceloop.*: what Traceloop's SDK (OpenLLMetry) sets on the spans of @workflow/@task/@agent/@tool
    # functions (their arguments and return value as JSON) and of association properties
    "kind": ("openinference.span.kind", "gen_ai.operation.name", "traceloop.span.kind"),
    "model": ("llm.model_name", "gen_ai.response.model", "gen_ai.request.model", "embedding.model_name"),
    "input": ("input.value", "gen_ai.prompt", "gen_ai.input.messages", "traceloop.entity.input"),
    "output": ("output.value", "gen_ai.completion", "gen_ai.output.messages", "traceloop.entity.output"),
    "input_tokens": ("llm.token_count.prompt", "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "output_tokens": ("llm.token_count.completion", "gen_ai.usage.output_tokens",
                      "gen_ai.usage.completion_tokens"),
    "session_id": ("session.id", "gen_ai.conversation.id", "traceloop.association.properties.session_id"),
    "user_id": ("user.id", "enduser.id", "traceloop.association.properties.user_id"),
    "prompt_version": ("llm.prompt_template.version", "gen_ai.prompt.version"),
    "cost": ("llm.cost.total", "gen_ai.usage.cost"),
    "tags": ("tag.tags",),
    "metadata": ("metadata",),
    "reference": ("feedback_lab.reference",),
    "task": ("feedback_lab.task",),
}

_INDEXED = re.compile(r"^(gen_ai\.prompt|gen_ai\.completion|llm\.input_messages|llm\.output_messages)\.(\d+)\.(.+)$")


_CONTENTS = re.compile(r"^contents\.(\d+)\.message_content\.(.+)$")


def _indexed_messages(attrs: dict[str, Any]) -> dict[str, list[dict]]:
    """Rebuild message lists from indexed attributes (``gen_ai.prompt.0.role`` ...). OpenInference's
    multi-part messages (``llm.output_messages.0.message.contents.0.message_content.text``) become
    a ``content`` list of parts.

    Examples
    --------
    >>> _indexed_messages({"llm.output_messages.0.message.role": "assistant",
    ...                    "llm.output_messages.0.message.contents.0.message_content.type": "text",
    ...                    "llm.output_messages.0.message.contents.0.message_content.text": "Hi"})
    {'llm.output_messages': [{'role': 'assistant', 'content': [{'type': 'text', 'text': 'Hi'}]}]}
    """
    found: dict[str, dict[int, dict]] = {}
    parts: dict[tuple[str, int], dict[int, dict]] = {}
    for k, v in attrs.items():
        m = _INDEXED.match(k)
        if m:
            base, idx, field = m.group(1), int(m.group(2)), m.group(3)
            field = field.removeprefix("message.")
            msg = found.setdefault(base, {}).setdefault(idx, {})
            c = _CONTENTS.match(field)
            if c:
                parts.setdefault((base, idx), {}).setdefault(int(c.group(1)), {})[c.group(2)] = v
            else:
                msg[field] = v
    for (base, idx), by_part in parts.items():
        found[base][idx].setdefault("content", [by_part[i] for i in sorted(by_part)])
    return {b: [d[i] for i in sorted(d)] for b, d in found.items()}


def _event_messages(events: list[dict]) -> tuple[str | None, str | None]:
    """Input/output text from the older GenAI event styles (``gen_ai.user.message``, ``gen_ai.choice``;
    ``gen_ai.content.prompt``/``gen_ai.content.completion``) and ``gen_ai.client.inference.operation.details``."""
    inp = out = None
    for ev in events:
        name = ev.get("name")
        a = ev.get("attributes") or {}
        if name in ("gen_ai.user.message", "gen_ai.system.message", "gen_ai.assistant.message",
                    "gen_ai.tool.message"):
            if name == "gen_ai.user.message" or inp is None:
                c = a.get("content", a.get("gen_ai.event.content"))
                if isinstance(c, str) and c.startswith("{"):
                    c = loads_deep(c)
                    c = c.get("content") if isinstance(c, dict) else c
                t = text_of(c, "input") if c is not None else None
                if t is not None and (name == "gen_ai.user.message" or inp is None):
                    inp = t
        elif name == "gen_ai.choice":
            msg = a.get("message", a.get("gen_ai.event.content"))
            msg = loads_deep(msg) if isinstance(msg, str) else msg
            if isinstance(msg, dict):
                msg = msg.get("message", msg)
                t = text_of(msg.get("content"), "output") if isinstance(msg, dict) else None
            else:
                t = text_of(msg, "output")
            if t is not None:
                out = t if out is None else out + "\n" + t
        elif name in ("gen_ai.content.prompt", "gen_ai.content.completion"):
            # semantic conventions 1.26-1.27: one span event per side, the messages as JSON text
            # in gen_ai.prompt / gen_ai.completion (Semantic Kernel, Spring AI, Azure AI Inference)
            side = "input" if name == "gen_ai.content.prompt" else "output"
            v = a.get("gen_ai.prompt" if side == "input" else "gen_ai.completion")
            t = text_of(loads_deep(v) if isinstance(v, str) and v[:1] in "[{" else v, side) if v is not None else None
            if side == "input":
                inp = inp or t
            else:
                out = out or t
        elif name == "gen_ai.client.inference.operation.details":
            i = messages_text(loads_deep(a.get("gen_ai.input.messages")), "input")
            o = messages_text(loads_deep(a.get("gen_ai.output.messages")), "output")
            inp = inp or i
            out = out or o
    return inp, out


def _first(attrs: dict[str, Any], field: str) -> Any:
    for k in ALIASES[field]:
        v = attrs.get(k)
        if v is not None and v != "":
            return v
    return None


def span_fields(attrs: dict[str, Any], events: list[dict] | None = None) -> dict[str, Any]:
    """Canonical span fields from a flat attribute dict (and span events).

    Raises :class:`BadRecord` when a field has the wrong type (e.g. a non-numeric token count).

    Examples
    --------
    >>> f = span_fields({"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4",
    ...                  "gen_ai.usage.input_tokens": 52, "gen_ai.output.messages":
    ...                  '[{"role": "assistant", "parts": [{"type": "text", "content": "Hi"}]}]'})
    >>> f["kind"], f["model"], f["input_tokens"], f["output"]
    ('chat', 'gpt-4', 52, 'Hi')
    """
    out: dict[str, Any] = {}
    kind = _first(attrs, "kind")
    out["kind"] = as_str(kind, "span kind") if kind is not None else None
    out["model"] = _str_attr(_first(attrs, "model"), "model")
    cut: dict[str, str] = {}  # a JSON value cut short (an exporter's length limit): the messages may be whole
    for side in ("input", "output"):
        key = next((k for k in ALIASES[side] if attrs.get(k) not in (None, "")), None)
        v = attrs.get(key) if key else None
        if key in (f"{side}.value", f"traceloop.entity.{side}"):  # the value as the application saw it
            out[side] = v if isinstance(v, str) else jdump(v)
            if attrs.get(f"{side}.mime_type") == "application/json" and isinstance(v, str) and not _parses(v):
                cut[side], out[side] = v, None
        else:
            out[side] = text_of(loads_deep(v) if isinstance(v, str) and v[:1] in "[{" else v, side) \
                if v is not None else None
    if out["input"] is None or out["output"] is None:
        idx = _indexed_messages(attrs)
        if out["input"] is None:
            out["input"] = messages_text(idx.get("gen_ai.prompt") or idx.get("llm.input_messages"), "input")
        if out["output"] is None:
            out["output"] = messages_text(idx.get("gen_ai.completion") or idx.get("llm.output_messages"),
                                          "output")
    for side, v in cut.items():
        out[side] = out[side] if out[side] is not None else v
    if events and (out["input"] is None or out["output"] is None):
        i, o = _event_messages(events)
        out["input"] = out["input"] if out["input"] is not None else i
        out["output"] = out["output"] if out["output"] is not None else o
    out["input_tokens"] = as_int(_first(attrs, "input_tokens"), "input token count")
    out["output_tokens"] = as_int(_first(attrs, "output_tokens"), "output token count")
    out["cost"] = as_float(_first(attrs, "cost"), "cost")
    for f in ("session_id", "user_id", "prompt_version", "reference", "task"):
        out[f] = _str_attr(_first(attrs, f), f)
    tags = _first(attrs, "tags")
    tags = loads_deep(tags) if isinstance(tags, str) else tags
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise BadRecord(f"tag.tags must be a list of strings, got {jdump(tags)[:80]!r}")
    out["tags"] = tags
    meta = _first(attrs, "metadata")
    if meta is None:  # Phoenix flattens the OpenInference metadata object: metadata.<key> attributes
        meta = nest_dotted({k[9:]: v for k, v in attrs.items() if k.startswith("metadata.") and v is not None}) or None
    out["metadata"] = jdump(meta) if meta is not None else None
    return out



def _parses(text: str) -> bool:
    """Whether ``text`` is whole JSON."""
    import json

    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _str_attr(v: Any, what: str) -> str | None:
    if v is None or isinstance(v, str):
        return v or None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return jdump(v)
    raise BadRecord(f"{what} must be a string, got {type(v).__name__}")


def annotator_kind(value: Any, default: str | None = None) -> str | None:
    """OpenInference/Phoenix annotator kinds (``HUMAN``/``LLM``/``CODE``) -> canonical kinds."""
    if value is None or value == "":
        return default
    v = str(value).strip().lower()
    return {"human": "human", "llm": "llm", "code": "code", "heuristic": "code", "user": "user"}.get(v, default)


#: OpenInference feedback attribute groups -> what the feedback is about
FEEDBACK_GROUPS = {"annotations": "span", "trace.annotations": "trace", "session.annotations": "session",
                   "evaluations": "evaluation"}
_FEEDBACK_KEY = re.compile(r"^(annotations|trace\.annotations|session\.annotations|evaluations)\.(\d+)\."
                           r"(?:annotation|evaluation)\.(name|score|label|explanation|annotator_kind|identifier|metadata)$")


def attribute_feedback(attrs: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Feedback objects of the OpenInference feedback attributes of one span, and the reasons the
    bad ones were left out.

    Each object becomes a dict with ``scope`` (``span``, ``trace``, ``session`` or ``evaluation``,
    see :data:`FEEDBACK_GROUPS`), ``name``, ``value``, ``label``, ``comment``, ``annotator_kind``,
    ``metadata`` (JSON text: the object's ``metadata`` plus its ``identifier`` and scope). Accepts
    the flat attribute keys of OTLP (``annotations.0.annotation.name``) and the nested lists that
    Phoenix's span frames hold (``{"annotations": [{"annotation.name": ...}]}``). An object
    without ``name``, or with a non-numeric ``score``, is left out with its reason.

    Examples
    --------
    >>> fb, bad = attribute_feedback({"annotations.0.annotation.name": "hallucination",
    ...                          "annotations.0.annotation.score": 1, "annotations.0.annotation.annotator_kind": "LLM"})
    >>> fb[0]["scope"], fb[0]["name"], fb[0]["value"], fb[0]["annotator_kind"], bad
    ('span', 'hallucination', 1.0, 'llm', [])
    """
    found: dict[tuple[str, int], dict[str, Any]] = {}
    errors: list[str] = []
    for k, v in attrs.items():
        if v is None:
            continue
        m = _FEEDBACK_KEY.match(k)
        if m:
            found.setdefault((m.group(1), int(m.group(2))), {})[m.group(3)] = v
        elif k in FEEDBACK_GROUPS and isinstance(v, list):  # nested: [{"annotation": {...}}] or dotted keys
            for i, el in enumerate(v):
                if not isinstance(el, dict):
                    errors.append(f"feedback attribute {k}.{i} is not an object")
                    continue
                inner = el.get("annotation", el.get("evaluation"))
                el = inner if isinstance(inner, dict) else el
                obj = found.setdefault((k, i), {})
                for f, x in el.items():
                    f = f.rsplit(".", 1)[-1]
                    if x is not None:
                        obj[f] = x
    out = []
    for (group, i), obj in sorted(found.items()):
        where = f"{group}.{i}"
        name = obj.get("name")
        if not isinstance(name, str) or not name:
            errors.append(f"feedback attribute {where} has no name")
            continue
        try:
            value = as_float(obj.get("score"), f"feedback attribute {where} score")
        except BadRecord as exc:
            errors.append(str(exc))
            continue
        meta = obj.get("metadata")
        if isinstance(meta, str):
            meta = loads_deep(meta)
        meta = dict(meta) if isinstance(meta, dict) else ({} if meta is None else {"metadata": meta})
        if obj.get("identifier"):
            meta["identifier"] = obj["identifier"]
        meta["openinference_feedback"] = FEEDBACK_GROUPS[group]
        label, expl = obj.get("label"), obj.get("explanation")
        out.append({"scope": FEEDBACK_GROUPS[group], "name": name,
                    "value": value,
                    "label": None if label is None else str(label), "comment": None if expl is None else str(expl),
                    "annotator_kind": annotator_kind(obj.get("annotator_kind")), "metadata": jdump(meta)})
    return out, errors

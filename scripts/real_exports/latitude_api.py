"""Produce Latitude API responses with the real ``latitude-sdk`` client, offline.

Run with a Python that has ``latitude-sdk`` installed (not the project's venv)::

    python3 -m venv /tmp/lat-venv && /tmp/lat-venv/bin/pip install latitude-sdk==9.15.0
    /tmp/lat-venv/bin/python scripts/real_exports/latitude_api.py tests/data/io/real/latitude

The SDK's own client (``LatitudeClient``, Fern-generated) is given an ``httpx`` client whose
transport answers with server-shaped JSON for ``POST v1/projects/{slug}/traces/list``,
``GET .../traces/{id}``, ``.../traces/{id}/spans``, ``.../spans/{span}`` and ``.../annotations``; the SDK parses each response into its
models (``PaginatedTraces``, ``TraceDetail``, ``TraceSpans``, ``SpanDetail``,
``PaginatedTraceAnnotations``), which are saved the ways users save them: ``.json()`` of the page or
of each trace (``traces_page.json``, ``trace_<n>.json``, ``spans_<n>.json``), one ``.json()`` per
line (``trace_details.jsonl``, ``span_details_<n>.jsonl``), and ``[a.dict() for a in page.items]``
with ``json.dump(default=str)`` (``annotations.json``). A ``TraceDetail`` carries its
``conversation`` (OpenTelemetry GenAI messages: the system instructions, the messages sent into
the trace's last LLM completion, then that completion's output), not per-span messages.

``expected.json`` holds what was served.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
from latitude_sdk import LatitudeClient

SLUG = "support-bot"


def _text(role: str, text: str) -> dict:
    return {"role": role, "parts": [{"type": "text", "content": text}]}


TRACES = [
    {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "question": "Where is my order #1234?",
     "answer": 'It shipped yesterday — arrives "Friday".\nTrack it in the app.',
     "conversation": [_text("system", "You are a support agent."), _text("user", "Where is my order #1234?"),
                      {**_text("assistant", 'It shipped yesterday — arrives "Friday".\nTrack it in the app.'),
                       "finish_reason": "stop"}],
     "sessionId": "sess-42", "userId": "user-7", "tags": ["prod", "orders"], "models": ["gpt-4o-mini"],
     "tokensInput": 812, "tokensOutput": 164, "costTotalMicrocents": 36700, "durationNs": 2350000000,
     "errorCount": 0, "startTime": "2026-10-02T10:00:00.000Z", "endTime": "2026-10-02T10:00:02.350Z",
     "metadata": {"promptVersion": "support-v3", "release": "2026.10.1"}},
    {"traceId": "0af7651916cd43dd8448eb211c80319c", "question": "Please cancel my plan.",
     "answer": "Done: your plan ends on 31 October.",
     "conversation": [_text("system", "You are a support agent."), _text("user", "Please cancel my plan."),
                      {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "cancel_plan",
                                                       "arguments": {"account": "A-19"}}]},
                      {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1",
                                                  "response": {"ends_on": "2026-10-31"}}]},
                      {**_text("assistant", "Done: your plan ends on 31 October."), "finish_reason": "stop"}],
     "sessionId": None, "userId": "user-9", "tags": [], "models": ["claude-3-5-haiku-20241022"],
     "tokensInput": 420, "tokensOutput": 38, "costTotalMicrocents": 12000, "durationNs": 4100000000,
     "errorCount": 1, "startTime": "2026-10-02T11:00:00.000Z", "endTime": "2026-10-02T11:00:04.100Z",
     "metadata": {}},
]

# (trace index, id, value, passed, feedback, sourceId, annotatorId, drafted)
ANNOTATIONS = [
    (0, "ann-1", 1.0, True, "Correct and polite.", "UI", "usr_reviewer_1", False),
    (0, "ann-2", 0.0, False, "Thumbs down from the widget.", "API", None, False),
    (1, "ann-3", 0.2, False, "The judge: the tool result was not confirmed.", "SYSTEM", None, False),
    (1, "ann-4", 1.0, True, "Draft: looks fine.", "aq_queue_7", "usr_reviewer_2", True),
]


def _trace_row(t: dict) -> dict:
    return {"organizationId": "org_1", "projectId": "proj_1", "traceId": t["traceId"], "spanCount": 3,
            "errorCount": t["errorCount"], "startTime": t["startTime"], "endTime": t["endTime"],
            "durationNs": t["durationNs"], "timeToFirstTokenNs": 420000000, "tokensInput": t["tokensInput"],
            "tokensOutput": t["tokensOutput"], "tokensCacheRead": 0, "tokensCacheCreate": 0, "tokensReasoning": 0,
            "tokensTotal": t["tokensInput"] + t["tokensOutput"], "costInputMicrocents": t["costTotalMicrocents"] // 2,
            "costOutputMicrocents": t["costTotalMicrocents"] - t["costTotalMicrocents"] // 2,
            "costTotalMicrocents": t["costTotalMicrocents"], "sessionId": t["sessionId"], "userId": t["userId"],
            "simulationId": None, "tags": t["tags"], "models": t["models"], "providers": ["openai"],
            "serviceNames": ["support-agent"], "rootSpanId": "00f067aa0ba902b7", "rootSpanName": "support-turn",
            "positiveAnnotationCount": 1, "negativeAnnotationCount": 1, "metadata": t["metadata"]}


def _spans(t: dict) -> list[dict]:
    """The trace's spans: an agent root, then its LLM completion (a tool call and the tool's span in
    the second trace). Message and tool payloads are in the ``SpanDetail`` shape only."""
    tid, conv = t["traceId"], t["conversation"]
    root = {"spanId": tid[:16], "parentSpanId": None, "name": "support-turn", "operation": "invoke_agent",
            "model": None, "tokensInput": 0, "tokensOutput": 0, "costTotalMicrocents": 0,
            "startTime": t["startTime"], "endTime": t["endTime"], "statusCode": "error" if t["errorCount"] else "ok",
            "detail": {"inputMessages": conv[1:2], "outputMessages": conv[-1:]}}
    llm = {"spanId": tid[16:], "parentSpanId": tid[:16], "name": f"chat {t['models'][0]}", "operation": "chat",
           "model": t["models"][0], "tokensInput": t["tokensInput"], "tokensOutput": t["tokensOutput"],
           "costTotalMicrocents": t["costTotalMicrocents"], "startTime": t["startTime"], "endTime": t["endTime"],
           "statusCode": "ok", "detail": {"systemInstructions": [{"type": "text", "content": "You are a support agent."}],
                                          "inputMessages": conv[1:-1], "outputMessages": conv[-1:]}}
    out = [root, llm]
    if len(conv) > 3:
        out.append({"spanId": tid[8:24], "parentSpanId": tid[:16], "name": "execute_tool cancel_plan",
                    "operation": "execute_tool", "model": None, "tokensInput": 0, "tokensOutput": 0,
                    "costTotalMicrocents": 0, "startTime": t["startTime"], "endTime": t["endTime"],
                    "statusCode": "error", "detail": {"toolName": "cancel_plan", "toolInput": '{"account": "A-19"}',
                                                      "toolOutput": '{"ends_on": "2026-10-31"}'}})
    return out


def _span_row(t: dict, sp: dict, detail: bool) -> dict:
    row = {"organizationId": "org_1", "projectId": "proj_1", "traceId": t["traceId"], "spanId": sp["spanId"],
           "parentSpanId": sp["parentSpanId"], "sessionId": t["sessionId"], "userId": t["userId"],
           "simulationId": None, "apiKeyId": None, "startTime": sp["startTime"], "endTime": sp["endTime"],
           "name": sp["name"], "serviceName": "support-agent", "kind": "client" if sp["model"] else "internal",
           "statusCode": sp["statusCode"], "statusMessage": "", "traceFlags": 1, "traceState": "",
           "errorType": None, "tags": t["tags"], "operation": sp["operation"],
           "provider": "openai" if sp["model"] else None, "model": sp["model"], "responseModel": sp["model"],
           "tokensInput": sp["tokensInput"], "tokensOutput": sp["tokensOutput"], "tokensCacheRead": 0,
           "tokensCacheCreate": 0, "tokensReasoning": 0, "costInputMicrocents": sp["costTotalMicrocents"] // 2,
           "costOutputMicrocents": sp["costTotalMicrocents"] - sp["costTotalMicrocents"] // 2,
           "costTotalMicrocents": sp["costTotalMicrocents"], "costIsEstimated": False,
           "timeToFirstTokenNs": 0, "isStreaming": False, "responseId": None,
           "finishReasons": ["stop"] if sp["model"] else [], "scopeName": "latitude.telemetry",
           "scopeVersion": "3.8.4", "retentionDays": 30, "ingestedAt": t["endTime"]}
    if detail:
        row.update({"metadata": {}, "systemInstructions": [], "inputMessages": [], "outputMessages": [],
                    "toolDefinitions": [], "toolCallId": "", "toolName": "", "toolInput": "",
                    "toolOutput": "", "attrString": {}, "attrInt": {}, "attrFloat": {}, "attrBool": {},
                    "resourceString": {}, "eventsJson": "[]", "linksJson": "[]", **sp["detail"]})
    return row


def _annotation(ti: int, aid: str, value: float, passed: bool, feedback: str, source: str, annotator, drafted) -> dict:
    return {"id": aid, "organizationId": "org_1", "projectId": "proj_1", "sessionId": None,
            "traceId": TRACES[ti]["traceId"], "spanId": None, "simulationId": None, "signalId": None,
            "value": value, "passed": passed, "feedback": feedback, "error": None, "errored": False,
            "duration": 0, "tokens": 0, "cost": 0, "draftedAt": "2026-10-03T09:00:00.000Z" if drafted else None,
            "annotatorId": annotator, "createdAt": "2026-10-03T09:00:00.000Z", "updatedAt": "2026-10-03T09:00:00.000Z",
            "source": "annotation", "sourceId": source, "metadata": {"rawFeedback": feedback}}


def _serve(request: httpx.Request) -> httpx.Response:
    parts = request.url.path.strip("/").split("/")  # v1 projects <slug> traces (list | <id> [annotations])
    if parts[-1] == "list":  # POST .../traces/list
        return httpx.Response(200, json={"items": [_trace_row(t) for t in TRACES], "nextCursor": None, "hasMore": False})
    if parts[-1] == "spans":
        t = next(t for t in TRACES if t["traceId"] == parts[-2])
        return httpx.Response(200, json={"items": [_span_row(t, sp, False) for sp in _spans(t)]})
    if parts[-2] == "spans":
        t = next(t for t in TRACES if t["traceId"] == parts[-3])
        return httpx.Response(200, json=_span_row(t, next(sp for sp in _spans(t) if sp["spanId"] == parts[-1]), True))
    if parts[-1] == "annotations":
        ti = next(i for i, t in enumerate(TRACES) if t["traceId"] == parts[-2])
        return httpx.Response(200, json={"items": [_annotation(*a) for a in ANNOTATIONS if a[0] == ti],
                                         "nextCursor": None, "hasMore": False})
    t = next(t for t in TRACES if t["traceId"] == parts[-1])
    return httpx.Response(200, json={**_trace_row(t), "conversation": t["conversation"]})


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    client = LatitudeClient(api_key="offline", base_url="https://api.latitude.invalid",
                            httpx_client=httpx.Client(transport=httpx.MockTransport(_serve)))
    page = client.traces.list(project_slug=SLUG)
    (out / "traces_page.json").write_text(page.json())
    details = [client.traces.get(project_slug=SLUG, trace_id=t.trace_id) for t in page.items]
    for n, d in enumerate(details, start=1):
        (out / f"trace_{n}.json").write_text(d.json())
    (out / "trace_details.jsonl").write_text("".join(d.json() + "\n" for d in details))
    for n, t in enumerate(page.items, start=1):
        listed = client.traces.list_spans(project_slug=SLUG, trace_id=t.trace_id)
        (out / f"spans_{n}.json").write_text(listed.json())
        details = [client.traces.get_span(project_slug=SLUG, trace_id=t.trace_id, span_id=sp.span_id)
                   for sp in listed.items]
        (out / f"span_details_{n}.jsonl").write_text("".join(d.json() + "\n" for d in details))
    anns = [a for t in page.items for a in client.traces.list_annotations(project_slug=SLUG, trace_id=t.trace_id).items]
    (out / "annotations.json").write_text(json.dumps([a.dict() for a in anns], default=str, ensure_ascii=False))
    spans = {t["traceId"]: [{k: v for k, v in sp.items() if k != "detail"} for sp in _spans(t)] for t in TRACES}
    (out / "expected.json").write_text(json.dumps({"traces": TRACES, "annotations": ANNOTATIONS, "spans": spans},
                                                  indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/latitude")

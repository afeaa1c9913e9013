"""Produce Langfuse public-API responses with the real ``langfuse`` SDK's API models, offline.

Run with a Python that has ``langfuse`` installed (not the project's venv)::

    python scripts/real_exports/langfuse_sdk.py OUT_DIR

The SDK's Fern-generated models parse the server's JSON with ``parse_obj_as`` (as ``langfuse.api``
does with each HTTP response) and are saved the ways users save them: the page's ``.json()``, ``[x.dict() for x in
page.data]`` with ``json.dump(default=str)``, and ``model_dump(mode="json")`` (snake_case).

* langfuse >= 4 (``langfuse.api.observations.get_many`` -> ``ObservationsV2Response``,
  ``langfuse.api.scores.get_many`` -> ``GetScoresV3Response`` with ``fields="subject,details"``):
  files ``v5_*``.
* langfuse 2.x-3.x (``api.trace.list`` -> ``Traces``, ``api.trace.get`` -> ``TraceWithFullDetails``,
  ``api.observations.get_many`` -> ``ObservationsViews``, ``api.score_v_2.get`` -> ``GetScoresResponse``):
  files ``v3_*``, written when those models exist in the installed SDK.

``expected.json`` holds what was built.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import langfuse

try:  # what the API client parses each response with
    from langfuse.api.core.pydantic_utilities import (
        parse_obj_as,  # langfuse >= 4 (pydantic 2 models)
    )
except ImportError:  # langfuse 2.x-3.x: pydantic.v1 models, ``pydantic_v1.parse_obj_as(Model, response.json())``
    from langfuse.api.core.pydantic_utilities import pydantic_v1

    parse_obj_as = pydantic_v1.parse_obj_as

T = "2025-03-01T10:00:{:06.3f}Z".format
MSGS_A = [{"role": "system", "content": "You answer billing questions."},
          {"role": "user", "content": "Why was I charged twice?"}]
OUT_A = {"role": "assistant", "content": "The second charge is a pending authorisation; it drops in 3 days."}
OBS = [  # (trace, id, parent, type, name, start, end, extra fields)
    ("trace-a", "obs-a1", None, "SPAN", "billing-handler", 0, 2.5,
     {"input": json.dumps({"question": "Why was I charged twice?"}), "output": json.dumps(OUT_A["content"])}),
    ("trace-a", "obs-a2", "obs-a1", "GENERATION", "chat-completion", 0.1, 1.3,
     {"input": json.dumps(MSGS_A), "output": json.dumps(OUT_A), "model": "gpt-4o-mini",
      "usageDetails": {"input": 30, "output": 12, "total": 42},
      "costDetails": {"input": 0.0000045, "output": 0.0000072, "total": 0.0000117}, "totalCost": 0.0000117}),
    ("trace-a", "obs-a3", "obs-a1", "TOOL", "lookup-invoice", 1.4, 2.4,
     {"input": json.dumps({"invoice": "INV-9"}), "level": "ERROR", "statusMessage": "invoice service timeout"}),
    ("trace-b", "obs-b1", None, "AGENT", "travel-agent", 5, 7,
     {"input": json.dumps([{"role": "user", "content": "Book me a train to Lyon"}]),
      "output": json.dumps("Booked the 9:04 TGV to Lyon.")}),
    ("trace-b", "obs-b2", "obs-b1", "GENERATION", "plan", 5.1, 6.8,
     {"input": json.dumps([{"role": "user", "content": "Book me a train to Lyon"}]),
      "output": json.dumps({"role": "assistant", "content": "Booked the 9:04 TGV to Lyon."}),
      "model": "claude-3-5-sonnet", "usageDetails": {"input": 10, "input_cached_tokens": 5, "output": 4, "total": 19}}),
]
USER = {"trace-a": ("user-1", "sess-1"), "trace-b": ("user-2", "sess-2")}
SCORES = [  # (id, dataType, value, source, name, subject, extra)
    ("sc-1", "NUMERIC", 0.0, "API", "user_rating", {"kind": "trace", "id": "trace-a"}, {"comment": "wrong answer"}),
    ("sc-2", "BOOLEAN", True, "ANNOTATION", "grounded", {"kind": "observation", "id": "obs-a2", "traceId": "trace-a"},
     {"authorUserId": "reviewer-7", "queueId": "q-1"}),
    ("sc-3", "CATEGORICAL", "relevant", "EVAL", "relevance", {"kind": "trace", "id": "trace-b"},
     {"comment": "The answer addresses the request.", "configId": "cfg-rel"}),
    ("sc-4", "TEXT", "Nice tone, but no price given.", "ANNOTATION", "review_note", {"kind": "trace", "id": "trace-b"},
     {"authorUserId": "reviewer-7"}),
    ("sc-5", "CORRECTION", "Booked the 9:04 TGV to Lyon (EUR 49).", "ANNOTATION", "output",
     {"kind": "trace", "id": "trace-b"}, {"authorUserId": "reviewer-7"}),
    ("sc-6", "NUMERIC", 4.0, "API", "session_csat", {"kind": "session", "id": "sess-2"}, {}),
]


def obs_json(version: int) -> list[dict]:
    out = []
    for tid, oid, parent, typ, name, s, e, extra in OBS:
        o = {"id": oid, "traceId": tid, "type": typ, "name": name, "startTime": T(s), "endTime": T(e),
             "parentObservationId": parent, "projectId": "proj-1", "environment": "default", "level": "DEFAULT",
             **extra}
        if version >= 4:
            o.update(userId=USER[tid][0], sessionId=USER[tid][1], isRootObservation=parent is None)
        else:  # ObservationsView: parsed input/output, legacy ``usage`` and token columns on every observation
            u = o.get("usageDetails") or {}
            tin, tout = sum(v for k, v in u.items() if k.startswith("input")), u.get("output", 0)
            o.update(input=json.loads(o["input"]) if "input" in o else None,
                     output=json.loads(o["output"]) if "output" in o else None, metadata={}, modelParameters={},
                     usage={"input": tin, "output": tout, "total": tin + tout, "unit": "TOKENS"},
                     usageDetails=u, costDetails=o.get("costDetails") or {}, promptTokens=tin, completionTokens=tout,
                     totalTokens=tin + tout, latency=round(e - s, 3))
        out.append(o)
    return out


def scores_json(version: int) -> list[dict]:
    out = []
    for sid, dtype, value, source, name, subject, extra in SCORES:
        s = {"id": sid, "projectId": "proj-1", "name": name, "source": source, "dataType": dtype,
             "timestamp": T(30), "createdAt": T(30), "updatedAt": T(30), "environment": "default", **extra}
        if version >= 4:
            s.update(value=value, subject=subject)
        else:
            if subject["kind"] == "session":
                s["sessionId"] = subject["id"]
            else:
                s["traceId"] = subject.get("traceId", subject["id"])
                if subject["kind"] == "observation":
                    s["observationId"] = subject["id"]
            if dtype in ("CATEGORICAL", "TEXT", "CORRECTION"):
                s.update(stringValue=value, metadata={})
                if dtype != "TEXT":
                    s["value"] = 0
            elif dtype == "BOOLEAN":
                s.update(value=1.0 if value else 0.0, stringValue="True" if value else "False")
            else:
                s["value"] = value
            if dtype == "CORRECTION":
                s["longStringValue"] = value
        out.append(s)
    return out


def save(out: Path, stem: str, page, items) -> None:
    """The page's ``.json()``; the items' ``.dict()`` (aliases, camelCase); their snake_case dump."""
    (out / f"{stem}_page.json").write_text(page.json())
    (out / f"{stem}_dict.json").write_text(json.dumps([x.dict() for x in items], default=str))
    if hasattr(items[0], "model_dump"):
        snake = [x.model_dump(mode="json") for x in items]
    else:  # pydantic.v1 models: field names
        snake = [x.dict(by_alias=False) for x in items]
    (out / f"{stem}_snake.json").write_text(json.dumps(snake, default=str))


def v5(out: Path) -> None:
    from langfuse.api.observations.types import ObservationsV2Response
    from langfuse.api.scores.types import GetScoresV3Response  # get_many(fields="subject,...")

    obs = parse_obj_as(ObservationsV2Response, {"data": obs_json(5), "meta": {"cursor": None}})
    scores = parse_obj_as(GetScoresV3Response, {"data": scores_json(5), "meta": {"limit": 50, "cursor": None}})
    save(out, "v5_observations", obs, obs.data)
    save(out, "v5_scores", scores, scores.data)
    # get_many() without fields="subject": nothing says which trace a score is on
    bare = parse_obj_as(GetScoresV3Response, {"data": [{k: v for k, v in s.items() if k != "subject"}
                                                       for s in scores_json(5)], "meta": {"limit": 50, "cursor": None}})
    (out / "v5_scores_no_subject_page.json").write_text(bare.json())


def v3(out: Path) -> bool:
    try:
        from langfuse.api import GetScoresResponse, ObservationsViews, Traces, TraceWithFullDetails
    except ImportError:
        return False
    traces = []
    for tid, (user, sess) in USER.items():
        obs = [o for o in obs_json(3) if o["traceId"] == tid]
        root = obs[0]
        traces.append({"id": tid, "timestamp": root["startTime"], "name": root["name"], "input": root["input"],
                       "output": root["output"], "userId": user, "sessionId": sess, "tags": ["prod"],
                       "metadata": {"prompt_version": "v3"}, "public": False, "bookmarked": False,
                       "environment": "default", "projectId": "proj-1", "htmlPath": f"/project/proj-1/traces/{tid}",
                       "latency": 2.5 if tid == "trace-a" else 2.0, "totalCost": 0.0000117 if tid == "trace-a" else 0.0,
                       "observations": obs,
                       "scores": [s for s in scores_json(3) if s.get("traceId") == tid  # ScoreV1: no CORRECTION
                                  and s["dataType"] != "CORRECTION"]})
    full = [parse_obj_as(TraceWithFullDetails, t) for t in traces]
    listing = parse_obj_as(Traces, {"data": [{**t, "observations": [o["id"] for o in t["observations"]],
                                               "scores": [s["id"] for s in t["scores"]]} for t in traces],
                                     "meta": {"page": 1, "limit": 50, "totalItems": 2, "totalPages": 1}})
    (out / "v3_trace_get.json").write_text(json.dumps([t.dict() for t in full], default=str))
    (out / "v3_trace_get_snake.json").write_text(json.dumps([t.dict(by_alias=False) for t in full], default=str))
    (out / "v3_traces_list_page.json").write_text(listing.json())
    obs = parse_obj_as(ObservationsViews, {"data": obs_json(3), "meta": {"page": 1, "limit": 50, "totalItems": 5,
                                                                          "totalPages": 1}})
    save(out, "v3_observations", obs, obs.data)
    sc = parse_obj_as(GetScoresResponse, {"data": scores_json(3), "meta": {"page": 1, "limit": 50,
                                                                           "totalItems": len(SCORES), "totalPages": 1}})
    save(out, "v3_scores", sc, sc.data)
    return True


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    major = int(langfuse.__version__.split(".")[0]) if hasattr(langfuse, "__version__") else 0
    if major >= 4:
        v5(out)
    else:
        v3(out)
    expected = {"observations": [{"trace_id": o[0], "id": o[1], "parent": o[2], "type": o[3], "name": o[4]}
                                 for o in OBS],
                "users": USER, "scores": [{"id": s[0], "dataType": s[1], "value": s[2], "source": s[3], "name": s[4],
                                           "subject": s[5]} for s in SCORES]}
    (out / "expected.json").write_text(json.dumps(expected, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "real_exports/langfuse"))

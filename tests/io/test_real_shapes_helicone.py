"""Helicone exports in the exact shapes the platform's own tools write (feedback_lab/io/_helicone.py).

Sources the files below are derived from:

- records: ``POST /v1/request/query-clickhouse`` rows (Helicone/helicone
  ``valhalla/jawn/src/lib/stores/request/request.ts``, ``getRequestsClickhouse``): ``request_body`` /
  ``response_body`` are the placeholder *string* ``{"helicone_message": "fetching body from signed_url..."}``
  unless bodies are inline, ``request_properties``/``properties`` are objects, ``delay_ms`` an Int32,
  token counts quoted Int64, ``cost`` USD, plus ``signed_body_url`` and ``storage_location``;
- ``@helicone/export`` (``examples/export/typescript/index.ts``): ``--include-body`` replaces
  ``request_body``/``response_body`` with the ``request``/``response`` objects behind ``signed_body_url``;
  ``--format csv`` writes the fixed header and ``convertToCSVRow`` cells (an object is
  ``JSON.stringify``-ed and its quotes doubled, then every cell is quoted with its quotes doubled
  again); ``--format json`` in the first version (commit 05a819cb, ``getAllData``) writes ``"[\\n"``,
  then each ``JSON.stringify(record, null, 2)`` followed by ``",\\n"`` whenever no ``--limit`` is given,
  then ``"]\\n"``; the current ``ExportWriter`` joins records with ``",\\n"`` and closes with ``"\\n]\\n"``;
- provider bodies stored in S3: OpenAI Responses API (``{"object": "response", "output": [{"type":
  "reasoning", ...}, {"type": "message", "role": "assistant", "content": [{"type": "output_text",
  "text": ...}]}]}``) and Gemini ``generateContent`` (``{"contents": [...]}`` ->
  ``{"candidates": [{"content": {"role": "model", "parts": [{"text": ...}]}, ...}]}``).
"""

from __future__ import annotations

import json

import pytest
from _helpers_platforms import load

PLACEHOLDER = ('{"helicone_message": "fetching body from signed_url... contact engineering@helicone.ai for more '
               'information"}')
CSV_FIELDS = ["response_id", "response_created_at", "response_status", "request_created_at", "request_body",
              "request_properties", "request_user_id", "model", "prompt_tokens", "completion_tokens", "latency",
              "cost"]


def _record(i: int, request_body, response_body=PLACEHOLDER, **extra) -> dict:
    props = {"environment": "prod", "Helicone-Session-Id": f"sess-{i}", "Helicone-Session-Path": "/support/answer"}
    return {"response_id": f"6f1d9a52-0000-4000-8000-00000000000{i}", "response_body": response_body,
            "response_created_at": f"2026-05-02T12:0{i}:02.350Z", "response_status": 200,
            "request_id": f"3b2a1c0d-0000-4000-8000-00000000000{i}", "request_body": request_body,
            "request_created_at": f"2026-05-02T12:0{i}:00.000Z", "request_user_id": "user-7",
            "request_properties": props, "provider": "OPENAI", "delay_ms": 2350, "request_model": "gpt-4o-mini",
            "time_to_first_token": 420, "total_tokens": "976", "completion_tokens": "164", "reasoning_tokens": "0",
            "prompt_tokens": "812", "country_code": "US", "scores": {"helicone-score-feedback": str(i % 2)},
            "properties": props, "asset_ids": [], "target_url": "https://api.openai.com/v1/chat/completions",
            "cache_reference_id": "00000000-0000-0000-0000-000000000000", "cache_enabled": False, "cost": 0.00022,
            "prompt_id": "", "prompt_version": "", "updated_at": f"2026-05-02T12:0{i}:05.000Z",
            "storage_location": "s3", "signed_body_url": "https://bucket.s3.us-west-2.amazonaws.com/x?X-Amz-Signature=y",
            "model": "gpt-4o-mini", **extra}


def _chat_request(text: str) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "Be brief."},
                                                 {"role": "user", "content": text}]}


def _csv_cell(value) -> str:
    """``convertToCSVRow``'s cell: objects are JSON with doubled quotes, then quoted with quotes doubled."""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, separators=(",", ":")).replace('"', '""')
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return '"' + str(value).replace('"', '""') + '"'


def test_cli_csv_double_escaped_object_cells(tmp_path):
    recs = [_record(1, _chat_request('Where is order "1234"?')),  # --include-body: request_body is an object
            _record(2, PLACEHOLDER)]                               # no --include-body: the placeholder string
    p = tmp_path / "output.csv"
    p.write_text(",".join(CSV_FIELDS) + "\n"
                 + "".join(",".join(_csv_cell(r.get(f)) for f in CSV_FIELDS) + "\n" for r in recs))
    ts = load(p, "helicone")
    assert len(ts.rejects) == 0 and len(ts.traces) == 2
    t1, t2 = ts.traces.sort("trace_id").to_dicts()
    assert (t1["trace_id"], t1["session_id"], t1["user_id"]) == (recs[0]["response_id"], "sess-1", "user-7")
    assert t1["input"] == 'Where is order "1234"?' and t1["output"] is None
    assert (t1["input_tokens"], t1["output_tokens"], t1["cost"]) == (812, 164, 0.00022)
    meta = json.loads(t1["metadata"])
    assert (meta["environment"], meta["Helicone-Session-Path"]) == ("prod", "/support/answer")
    assert t2["session_id"] == "sess-2" and t2["input"] is None
    assert "input" in json.loads(t2["metadata"])["body_missing"]


@pytest.mark.parametrize("version", ["first", "current"])
def test_cli_json_array(tmp_path, version):
    recs = [_record(1, _chat_request("Hi?")), _record(2, _chat_request("Bye?"))]
    body = [json.dumps(r, indent=2) for r in recs]
    text = ("[\n" + "".join(b + ",\n" for b in body) + "]\n" if version == "first"
            else "[\n" + ",\n".join(body) + "\n]\n")
    p = tmp_path / "output.json"
    p.write_text(text)
    ts = load(p, "helicone")
    assert len(ts.rejects) == 0
    assert sorted(ts.traces["input"].to_list()) == ["Bye?", "Hi?"]
    assert sorted(ts.feedback["label"].to_list()) == ["down", "up"]


def test_include_body_responses_api_and_gemini(tmp_path):
    responses_req = {"model": "gpt-4.1", "instructions": "Be brief.", "input": "Where is my order?"}
    responses_resp = {"id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1-2025-04-14",
                      "output": [{"type": "reasoning", "id": "rs_1", "summary": []},
                                 {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                                  "content": [{"type": "output_text", "text": "It shipped.", "annotations": []}]}],
                      "usage": {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15}}
    gemini_req = {"contents": [{"role": "user", "parts": [{"text": "Is it raining?"}]}],
                  "generationConfig": {"temperature": 0}}
    gemini_resp = {"candidates": [{"content": {"role": "model", "parts": [{"text": "No, "}, {"text": "it is dry."}]},
                                   "finishReason": "STOP", "index": 0}],
                   "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 4, "totalTokenCount": 9},
                   "modelVersion": "gemini-2.0-flash"}
    p = tmp_path / "output.jsonl"
    p.write_text(json.dumps(_record(1, responses_req, responses_resp)) + "\n"
                 + json.dumps(_record(2, gemini_req, gemini_resp, provider="GOOGLE")) + "\n")
    ts = load(p, "helicone")
    got = {r["session_id"]: (r["input"], r["output"]) for r in ts.traces.to_dicts()}
    assert got == {"sess-1": ("Where is my order?", "It shipped."), "sess-2": ("Is it raining?", "No, it is dry.")}

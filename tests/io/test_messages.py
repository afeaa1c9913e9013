"""``to_text``: the readable text of the request and response bodies that instrumentations record
(OpenInference's ``input.value``/``output.value``, Langfuse and LangSmith payloads), for the
providers' documented shapes (each provider's API reference: Chat Completions, Responses,
Anthropic Messages, Gemini generateContent, Bedrock Converse; LangChain and LlamaIndex inputs)."""

from __future__ import annotations

import json

import pytest

from feedback_lab.io._messages import to_text

Q, A = "What is 2+2?", "4"

CASES = [
    ("openai chat request", {"model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."},
                                                             {"role": "user", "content": Q}]}, "input", Q),
    ("openai chat response", {"id": "chatcmpl-1", "object": "chat.completion", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": A}, "finish_reason": "stop"}]}, "output", A),
    ("openai legacy completion", {"choices": [{"text": A, "index": 0}]}, "output", A),
    ("openai responses request (text)", {"model": "gpt-4.1", "input": Q}, "input", Q),
    ("openai responses request (items)", {"model": "gpt-4.1", "input": [{"role": "user", "content": Q}]}, "input", Q),
    ("openai responses response", {"id": "resp_1", "object": "response", "output": [
        {"type": "reasoning", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": A}]}]}, "output", A),
    ("anthropic request", {"model": "claude-3-5-haiku", "max_tokens": 100, "system": "Be brief.",
                           "messages": [{"role": "user", "content": [{"type": "text", "text": Q}]}]}, "input", Q),
    ("anthropic response", {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-5-haiku",
                            "content": [{"type": "text", "text": A}], "stop_reason": "end_turn"}, "output", A),
    ("gemini request", {"contents": [{"role": "user", "parts": [{"text": Q}]}]}, "input", Q),
    ("gemini response", {"candidates": [{"content": {"role": "model", "parts": [{"text": A}]}}]}, "output", A),
    ("bedrock converse request", {"modelId": "m", "messages": [{"role": "user", "content": [{"text": Q}]}]}, "input", Q),
    ("bedrock converse response", {"output": {"message": {"role": "assistant", "content": [{"text": A}]}},
                                   "stopReason": "end_turn", "usage": {"inputTokens": 5}}, "output", A),
    ("langchain chain input", {"input": Q, "chat_history": []}, "input", Q),
    ("llamaindex query bundle", {"query_str": Q, "custom_embedding_strs": None}, "input", Q),
]


@pytest.mark.parametrize(("name", "payload", "side", "text"), CASES, ids=[c[0] for c in CASES])
def test_the_text_of_documented_payloads(name, payload, side, text):
    assert to_text(json.dumps(payload), side) == text
    assert to_text(payload, side) == text


@pytest.mark.parametrize("payload", [{"invoice": 1042, "lines": [3, 4]}, {"answer": "4", "sources": ["a"]}])
def test_data_that_is_no_message_payload_stays_json(payload):
    assert json.loads(to_text(json.dumps(payload))) == payload

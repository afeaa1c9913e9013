"""Produce LangSmith exports with the real ``langsmith`` / ``langchain-core`` SDKs, offline.

Run with a Python that has ``langsmith`` and ``langchain-core`` installed (not the project's venv)::

    python scripts/real_exports/langsmith_sdk.py OUT_DIR

The client's HTTP session is replaced by one that records each request and answers ``{}``, so the
runs and feedback are exactly what the SDK would send. Three traces are built:

1. ``RunTree``: root chain -> child LLM (chat messages in, message + ``usage_metadata`` out) -> tool
   child that fails (``error``); tags, metadata ``thread_id``/``user_id``.
2. ``@traceable``: a pipeline -> query-rewriting LLM (usage via ``RunTree.set(usage_metadata=...)``),
   retriever, an LLM function returning ``usage_metadata``
   (``ls_model_name`` in metadata); ``langsmith_extra`` metadata ``session_id``.
3. LangChain: a chat model (``FakeMessagesListChatModel``) in a prompt | model chain traced by
   ``LangChainTracer``; LangChain puts ``dumpd``-serialised messages into the run inputs/outputs.

Then feedback through ``client.create_feedback`` (api, model with ``source_run_id``) plus an
``app`` (UI) source as the server returns it. Saved as users save them: ``Run`` objects with
``.json()`` (JSONL), ``.dict()`` + ``json.dumps(default=str)``, ``model_dump(mode="json")`` nested
through ``child_runs``; ``Feedback`` objects the same ways. ``expected.json`` holds what was built.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import uuid
from pathlib import Path

import requests

os.environ.update(LANGSMITH_TRACING="true", LANGSMITH_API_KEY="ls-fake", LANGSMITH_ENDPOINT="http://localhost:9",
                  LANGSMITH_PROJECT="real-sdk-export")

from langsmith import Client, get_current_run_tree, schemas, traceable
from langsmith.run_trees import RunTree

SENT: list[tuple[str, str, dict]] = []


class RecordingSession(requests.Session):
    """Records each request body (JSON) and answers ``{}`` with status 200."""

    def request(self, method, url, *args, **kwargs):
        body = kwargs.get("data") or kwargs.get("json")
        if isinstance(body, (bytes, str)):
            try:
                body = json.loads(body)
            except ValueError:
                body = None
        if body is not None:
            SENT.append((method.upper(), url, body))
        resp = requests.Response()
        resp.status_code = 200
        resp._content = b"{}"
        resp.headers["Content-Type"] = "application/json"
        resp.url = url
        return resp


client = Client(api_key="ls-fake", api_url="http://localhost:9", auto_batch_tracing=False,
                session=RecordingSession(), omit_traced_runtime_info=True)
T0 = dt.datetime(2025, 3, 1, 10, 0, 0, tzinfo=dt.UTC)


def t(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def trace_runtree() -> None:
    root = RunTree(name="support_bot", run_type="chain", inputs={"question": "How do I reset my password?"},
                   tags=["prod", "support"], extra={"metadata": {"thread_id": "thread-1", "user_id": "user-42"}},
                   start_time=t(0), ls_client=client)
    root.post()
    llm = root.create_child(
        name="ChatOpenAI", run_type="llm", start_time=t(0.1),
        inputs={"messages": [{"role": "system", "content": "You are a support agent."},
                             {"role": "user", "content": "How do I reset my password?"}]},
        extra={"metadata": {"ls_provider": "openai", "ls_model_name": "gpt-4o-mini"},
               "invocation_params": {"model": "gpt-4o-mini", "temperature": 0}})
    llm.post()
    llm.end(outputs={"choices": [{"message": {"role": "assistant",
                                              "content": "Open Settings > Security and click 'Reset password'."}}],
                     "usage_metadata": {"input_tokens": 21, "output_tokens": 12, "total_tokens": 33}},
            end_time=t(1.2))
    llm.patch()
    tool = root.create_child(name="lookup_account", run_type="tool", inputs={"user_id": "user-42"}, start_time=t(1.3))
    tool.post()
    tool.end(error="TimeoutError: account service did not answer", end_time=t(2.3))
    tool.patch()
    root.end(outputs={"answer": "Open Settings > Security and click 'Reset password'."}, end_time=t(2.5))
    root.patch()


@traceable(run_type="retriever", client=client)
def retrieve(query: str) -> list[dict]:
    return [{"page_content": "Refunds are issued within 14 days.", "type": "Document", "metadata": {"src": "faq"}}]


@traceable(run_type="llm", client=client, metadata={"ls_provider": "anthropic", "ls_model_name": "claude-3-5-haiku"})
def answer_llm(messages: list[dict]) -> dict:
    return {"role": "assistant", "content": "Refunds take up to 14 days.",
            "usage_metadata": {"input_tokens": 40, "output_tokens": 7, "total_tokens": 47}}


@traceable(run_type="llm", client=client, metadata={"ls_provider": "openai", "ls_model_name": "gpt-4o-mini"})
def rewrite_query(question: str) -> str:
    # usage reported the documented way for @traceable: RunTree.set(usage_metadata=...) -> extra.metadata
    get_current_run_tree().set(usage_metadata={"input_tokens": 12, "output_tokens": 5, "total_tokens": 17})
    return question.lower()


@traceable(name="refund_pipeline", client=client, tags=["prod"])
def pipeline(question: str) -> str:
    docs = retrieve(rewrite_query(question))
    msg = answer_llm([{"role": "user", "content": question}, {"role": "system", "content": docs[0]["page_content"]}])
    return msg["content"]


def trace_langchain() -> None:
    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.tracers.langchain import LangChainTracer

    model = FakeMessagesListChatModel(responses=[AIMessage(
        content="Bonjour ! Comment puis-je vous aider ?",
        usage_metadata={"input_tokens": 15, "output_tokens": 9, "total_tokens": 24},
        response_metadata={"model_name": "gpt-4o-2024-08-06"})])
    prompt = ChatPromptTemplate.from_messages([("system", "Translate to French."), ("human", "{text}")])
    tracer = LangChainTracer(client=client, project_name="real-sdk-export")
    (prompt | model).invoke({"text": "Hello! How can I help you?"},
                            config={"callbacks": [tracer], "metadata": {"session_id": "conv-7"},
                                    "tags": ["translate"]})
    tracer.wait_for_futures()


def runs_from_requests() -> dict[str, dict]:
    runs: dict[str, dict] = {}
    for method, url, body in SENT:
        if url.rstrip("/").endswith("/runs") and method == "POST":
            runs[str(body["id"])] = dict(body)
        elif "/runs/" in url and method == "PATCH":
            rid = url.rstrip("/").rsplit("/", 1)[1]
            runs.setdefault(rid, {"id": rid}).update({k: v for k, v in body.items() if v is not None})
    return runs


def as_server_runs(sent: dict[str, dict]) -> list[schemas.Run]:
    """What ``client.list_runs()`` returns for the sent runs: the server adds status, token counts
    (from ``usage_metadata``) and the project id."""
    project = uuid.UUID("0195a0a0-0000-7000-8000-000000000001")
    out = []
    for r in sent.values():
        payload = {k: v for k, v in r.items() if k in schemas.Run.model_fields}
        payload["session_id"] = project
        payload["status"] = "error" if r.get("error") else "success"
        usage = (r.get("outputs") or {}).get("usage_metadata") or ((r.get("extra") or {}).get("metadata") or {}).get(
            "usage_metadata")
        if usage is None and r.get("run_type") == "llm":
            gens = (r.get("outputs") or {}).get("generations") or [[{}]]
            usage = (((gens[0][0].get("message") or {}).get("kwargs") or {}).get("usage_metadata"))
        if usage:
            payload.update(prompt_tokens=usage["input_tokens"], completion_tokens=usage["output_tokens"],
                           total_tokens=usage["total_tokens"])
        out.append(schemas.Run(**payload))
    return out


def feedback(runs: list[schemas.Run]) -> list[schemas.Feedback]:
    by_name = {r.name: r for r in runs}
    root1, llm1, root2, root3 = (by_name["support_bot"], by_name["ChatOpenAI"], by_name["refund_pipeline"],
                                 by_name["RunnableSequence"])
    judge_run = uuid.UUID("0195a0a0-0000-7000-8000-0000000000aa")
    client.create_feedback(root1.id, "user_score", score=0, comment="Did not work", trace_id=root1.trace_id)
    client.create_feedback(llm1.id, "helpfulness", score=0.8, value="mostly helpful", trace_id=root1.trace_id,
                           feedback_source_type="model", source_run_id=judge_run, comment="Clear steps.")
    client.create_feedback(root2.id, "correctness", score=1, trace_id=root2.trace_id,
                           correction={"output": "Refunds are issued within 14 days."})
    client.create_feedback(root3.id, "language", value="fr", trace_id=root3.trace_id,
                           feedback_source_type="model", source_run_id=judge_run)
    out = []
    for i, (_method, _url, body) in enumerate(b for b in SENT if b[1].rstrip("/").endswith("/feedback")):
        out.append(schemas.Feedback(**{**body, "created_at": t(10 + i), "modified_at": t(10 + i)}))
    # an annotation-queue / UI review as the server returns it (feedback_source type "app")
    out.append(schemas.Feedback(
        id=uuid.UUID("0195a0a0-0000-7000-8000-0000000000f1"), created_at=t(20), modified_at=t(20),
        run_id=root3.id, trace_id=root3.trace_id, key="fluency", score=1, comment="Natural French.",
        feedback_source=schemas.FeedbackSourceBase(type="app", user_id=uuid.UUID(int=7), user_name="Ada Reviewer")))
    return out


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    trace_runtree()
    pipeline("How long do refunds take?", langsmith_extra={"metadata": {"session_id": "conv-3"}})
    trace_langchain()
    client.flush()
    sent = runs_from_requests()
    runs = sorted(as_server_runs(sent), key=lambda r: r.dotted_order)
    fbs = feedback(runs)
    # 1. list_runs() saved with .json(), one per line
    (out / "runs_json.jsonl").write_text("".join(r.json() + "\n" for r in runs))
    # 2. .dict() + json.dumps(default=str), one list
    (out / "runs_dict.json").write_text(json.dumps([r.dict() for r in runs], default=str))
    # 3. read_run(load_child_runs=True): root runs with nested child_runs, model_dump(mode="json")
    kids: dict = {}
    for r in runs:
        kids.setdefault(r.parent_run_id, []).append(r)

    def nest(r: schemas.Run) -> schemas.Run:
        return r.model_copy(update={"child_runs": [nest(c) for c in kids.get(r.id, [])] or None})

    roots = [nest(r) for r in runs if r.parent_run_id is None]
    (out / "runs_nested.json").write_text(json.dumps([r.model_dump(mode="json") for r in roots]))
    # feedback: list_feedback() saved with .json() per line and .dict() + default=str
    (out / "feedback_json.jsonl").write_text("".join(f.json() + "\n" for f in fbs))
    (out / "feedback_dict.json").write_text(json.dumps([f.dict() for f in fbs], default=str))
    # the raw request bodies the SDK sent (POST /runs, PATCH /runs/{id}) as an ingest payload
    posts = [b for m, u, b in SENT if m == "POST" and u.rstrip("/").endswith("/runs")]
    patches = [{**b, "id": u.rstrip("/").rsplit("/", 1)[1]} for m, u, b in SENT if m == "PATCH" and "/runs/" in u]
    (out / "ingest_payload.json").write_text(json.dumps({"post": posts, "patch": patches}))
    # the same runs, post and patch merged, one per line (a run exporter / tracing-callback dump)
    (out / "runs_sent.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sent.values()))
    expected = {
        "runs": [{"id": str(r.id), "trace_id": str(r.trace_id), "name": r.name, "run_type": r.run_type,
                  "parent_run_id": str(r.parent_run_id) if r.parent_run_id else None, "error": r.error,
                  "prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens} for r in runs],
        "feedback": [{"key": f.key, "run_id": str(f.run_id), "trace_id": str(f.trace_id), "score": f.score,
                      "value": f.value, "source": f.feedback_source.type if f.feedback_source else None,
                      "correction": f.correction} for f in fbs],
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "real_exports/langsmith"))

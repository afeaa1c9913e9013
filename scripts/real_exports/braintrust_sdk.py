"""Produce Braintrust records with the real ``braintrust`` SDK, offline.

Run with a Python that has ``braintrust`` installed (not the project's venv)::

    python scripts/real_exports/braintrust_sdk.py OUT_DIR

The SDK's own test helpers (``braintrust.test_helpers.simulate_login``/``init_test_logger``/
``init_test_exp`` and ``logger._internal_with_memory_background_logger``) replace the HTTP
background logger by an in-memory one; ``pop()`` returns the rows merged with
``merge_row_batch`` exactly as they would be sent to ``logs3``. The rows are saved as the server
hands them back: one JSON object per line (``bt sync pull`` parts; the server adds ``_xact_id``)
and a REST fetch response ``{"events": [...]}``.

Project logs: a ``@traced`` pipeline -> LLM span (messages in/out, token metrics, ``metadata.model``)
and a failing tool span; ``logger.log_feedback`` of user scores + comment. Experiment: one eval row
(input/expected/output) with a task span, an LLM-judge scorer span (``purpose="scorer"``, rationale
in metadata) and a code scorer span. ``expected.json`` holds what was built.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from braintrust import logger as bt_logger
from braintrust import test_helpers

MSGS = [{"role": "system", "content": "You are a travel assistant."},
        {"role": "user", "content": "Which terminal does BA use at Heathrow?"}]
ANSWER = "British Airways flies from Terminal 5 at Heathrow."


def project_logs() -> None:
    lg = test_helpers.init_test_logger("bt-real-project")
    with lg.start_span(name="travel_chat", type="task", input={"question": MSGS[-1]["content"]},
                       metadata={"user_id": "user-9", "session_id": "sess-9"}, tags=["prod"]) as root:
        with root.start_span(name="Chat Completion", type="llm", input=MSGS,
                             metadata={"model": "gpt-4o-mini", "temperature": 0}) as llm:
            llm.log(output=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ANSWER}}],
                    metrics={"prompt_tokens": 25, "completion_tokens": 11, "tokens": 36})
        with root.start_span(name="lookup_gate", type="tool", input={"flight": "BA117"}) as tool:
            tool.log(error="GateServiceError: upstream 503")
        root.log(output=ANSWER)
        root_id = root.id
    with lg.start_span(name="travel_chat", type="task", input={"question": "Is there a lounge?"},
                       metadata={"user_id": "user-3", "session_id": "sess-3"}) as root2:
        root2.log(output="Yes, the Galleries lounges in Terminal 5.")
        root2_id = root2.id
    lg.flush()
    lg.log_feedback(id=root_id, scores={"thumbs_up": 0}, comment="Outdated, BA also uses T3", source="external",
                    metadata={"user_id": "user-9"})
    lg.log_feedback(id=root2_id, scores={"thumbs_up": 1})
    lg.flush()


def experiment() -> str:
    exp = test_helpers.init_test_exp("bt-real-exp", "bt-real-project")
    with exp.start_span(name="eval", type="eval", input={"question": "Capital of Australia?"},
                        expected="Canberra") as row:
        with row.start_span(name="task", type="task", input={"question": "Capital of Australia?"}) as task:
            with task.start_span(name="Chat Completion", type="llm", input=[{"role": "user", "content":
                                                                               "Capital of Australia?"}],
                                 metadata={"model": "claude-3-5-haiku"}) as llm:
                llm.log(output=[{"role": "assistant", "content": "Canberra."}],
                        metrics={"prompt_tokens": 6, "completion_tokens": 3})
            task.log(output="Canberra.")
        with row.start_span(name="Factuality", type="score", propagated_event={"span_attributes": {"purpose": "scorer"}},
                            input={"output": "Canberra.", "expected": "Canberra"}) as judge:
            with judge.start_span(name="Chat Completion", type="llm", metadata={"model": "gpt-4o"},
                                  input=[{"role": "user", "content": "Grade the answer ..."}]) as jl:
                jl.log(output=[{"role": "assistant", "content": "choice: A"}],
                       metrics={"prompt_tokens": 120, "completion_tokens": 4})
            judge.log(output={"score": 1}, scores={"Factuality": 1},
                      metadata={"rationale": "The submission names Canberra.", "choice": "A"})
        with row.start_span(name="ExactMatch", type="score", propagated_event={"span_attributes": {"purpose": "scorer"}},
                            input={"output": "Canberra.", "expected": "Canberra"}) as code:
            code.log(output={"score": 0}, scores={"ExactMatch": 0})
        row.log(output="Canberra.", scores={"Factuality": 1, "ExactMatch": 0})
        return row.id


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    test_helpers.simulate_login()
    with bt_logger._internal_with_memory_background_logger() as mem:
        project_logs()
        logs = mem.pop()
        experiment()
        bt_logger.flush()
        exp_rows = mem.pop()
    for i, r in enumerate(logs + exp_rows):  # the server's transaction id (BTQL / sync pull / fetch)
        r.setdefault("_xact_id", str(1000000000000000 + i))
    (out / "logs_sync_pull.jsonl").write_text("".join(json.dumps(r) + "\n" for r in logs))
    (out / "experiment_fetch.json").write_text(json.dumps({"events": exp_rows}, indent=1))
    (out / "expected.json").write_text(json.dumps({
        "logs": [{"id": r["id"], "root_span_id": r.get("root_span_id"), "name": (r.get("span_attributes") or {}).get("name"),
                  "type": (r.get("span_attributes") or {}).get("type"), "scores": r.get("scores"),
                  "comment": (r.get("comment") or {}).get("text")} for r in logs],
        "experiment": [{"id": r["id"], "root_span_id": r.get("root_span_id"), "name": (r.get("span_attributes") or {}).get("name"),
                        "type": r["span_attributes"].get("type"), "purpose": r["span_attributes"].get("purpose"),
                        "scores": r.get("scores")} for r in exp_rows]}, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "real_exports/braintrust"))

"""Write LangSmith experiment results as the SDK tabulates them (fixtures under
tests/data/io/real/langsmith_experiments/), offline.

Run with a Python that has ``langsmith``, ``pandas`` and ``pyarrow`` (not the project's venv)::

    python scripts/real_exports/langsmith_experiments.py OUT_DIR

- ``evaluate_to_pandas.{csv,parquet}``: ``langsmith.evaluate(target, data=examples, evaluators=[...],
  upload_results=False).to_pandas()``, run for real (the target and two evaluators run locally; one
  example makes the target raise, so its row has an ``error``), saved with ``to_csv(index=False)``
  and ``to_parquet()`` (the ``id``/``example_id`` columns hold ``uuid.UUID`` objects: pyarrow
  writes them as ``arrow.uuid``).
- ``test_results.{csv,parquet}``: ``Client.get_test_results(project_name=...)``, the SDK's own code,
  with the client's ``list_runs``/``list_examples`` answering what the server holds for that
  experiment (root runs with ``feedback_stats``: averages, and the comments of ``note``
  feedback), saved with ``to_csv()`` and ``to_parquet()`` (its index is ``example_id``).

``expected.json`` holds the examples, the outputs and the scores.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import uuid
from pathlib import Path

os.environ.update(LANGSMITH_API_KEY="ls-fake", LANGSMITH_ENDPOINT="http://localhost:9", LANGSMITH_TRACING="false")

from langsmith import Client, schemas
from langsmith.evaluation import evaluate

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
EXAMPLES = [("What is 2+2?", "4"), ("Capital of Peru?", "Lima"), ("Largest ocean?", "Pacific"),
            ("Translate 'merci'", "thank you")]
ANSWERS = {"What is 2+2?": "4", "Capital of Peru?": "Lima", "Largest ocean?": "Atlantic"}  # the last one fails


def target(inputs: dict) -> dict:
    if inputs["question"] not in ANSWERS:
        raise ValueError("model timed out")
    return {"answer": ANSWERS[inputs["question"]]}


def correctness(outputs: dict, reference_outputs: dict) -> dict:
    return {"key": "correctness", "score": float(outputs["answer"] == reference_outputs["answer"]),
            "comment": "exact match"}


def tone(outputs: dict) -> dict:
    return {"key": "tone", "value": "terse" if len(outputs["answer"]) < 5 else "neutral"}


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dataset = uuid.UUID(int=7)
    examples = [schemas.Example(id=uuid.UUID(int=100 + i), dataset_id=dataset, inputs={"question": q},
                                outputs={"answer": a}, created_at=T0) for i, (q, a) in enumerate(EXAMPLES)]
    results = evaluate(target, data=examples, evaluators=[correctness, tone], upload_results=False, client=Client())
    df = results.to_pandas()
    df.to_csv(out / "evaluate_to_pandas.csv", index=False)
    df.to_parquet(out / "evaluate_to_pandas.parquet")
    rows = [{"run_id": str(r["id"]), "example_id": str(r["example_id"]), "question": r["inputs.question"],
             "answer": r.get("outputs.answer") if isinstance(r.get("outputs.answer"), str) else None,
             "reference": r["reference.answer"], "error": r["error"] if isinstance(r["error"], str) else None,
             "correctness": r.get("feedback.correctness"), "tone": r.get("feedback.tone")}
            for r in df.to_dict("records")]

    # get_test_results: the runs of an experiment as the server lists them (root runs with feedback stats)
    runs = []
    for i, (q, a) in enumerate(EXAMPLES[:3]):
        ok = ANSWERS[q] == a
        stats = {"correctness": {"n": 2, "avg": 1.0 if ok else 0.5}}
        if i == 2:
            stats["note"] = {"n": 1, "comments": ["Pacific is the largest; the model said Atlantic."]}
        runs.append(schemas.Run(id=uuid.UUID(int=200 + i), name="target", run_type="chain", trace_id=uuid.UUID(int=200 + i),
                                start_time=T0 + dt.timedelta(minutes=i), end_time=T0 + dt.timedelta(minutes=i, seconds=2),
                                inputs={"question": q}, outputs={"answer": ANSWERS[q]}, feedback_stats=stats,
                                reference_example_id=examples[i].id))

    class Offline(Client):  # the server's answers; get_test_results is the SDK's own code
        def list_runs(self, **kw):
            return iter(runs)

        def list_examples(self, example_ids=None, **kw):
            return [e for e in examples if e.id in set(example_ids or ())]

    client = Offline()
    client._info = schemas.LangSmithInfo(instance_flags={"ch_query_enabled": True})
    tr = client.get_test_results(project_name="experiment-1")
    tr.to_csv(out / "test_results.csv")
    tr.to_parquet(out / "test_results.parquet")
    listed = [{"run_id": str(r.id), "example_id": str(r.reference_example_id), "question": r.inputs["question"],
               "answer": r.outputs["answer"], "reference": dict(EXAMPLES)[r.inputs["question"]],
               "correctness": r.feedback_stats["correctness"]["avg"],
               "notes": r.feedback_stats.get("note", {}).get("comments", []), "seconds": 2.0} for r in runs]
    (out / "expected.json").write_text(json.dumps({"evaluate": rows, "test_results": listed}, indent=1,
                                                  ensure_ascii=False, default=str) + "\n")
    print(f"wrote {sorted(p.name for p in out.iterdir())}")


if __name__ == "__main__":
    main(sys.argv[1])

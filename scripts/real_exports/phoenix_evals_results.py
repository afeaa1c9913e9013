"""Write what Phoenix's evals library gives for a RAG frame (fixtures under tests/data/io/real/phoenix_evals/).

Run with the Phoenix venv of :mod:`phoenix_exports` (``arize-phoenix-evals``; no server needed)::

    /tmp/sdk-phx/bin/python scripts/real_exports/phoenix_evals_results.py tests/data/io/real/phoenix_evals

It takes ``tests/data/io/real/phoenix_queries/qa_context.parquet`` (``get_input_output_context``: a root
span's question, answer and retrieved context, indexed by ``context.span_id``) and runs
``phoenix.evals.evaluate_dataframe`` on it with two evaluators made by ``create_evaluator``: a
``correctness`` judge declared ``kind="llm"`` (a function stands in for the model, since none can be
called offline: it returns a score, a label and an explanation) and a ``concise`` check of
``kind="code"`` (a boolean). Phoenix adds a ``<name>_score`` column per score (the ``Score`` as a dict:
``name, score, label, explanation, metadata, kind, direction``) and a ``<name>_execution_details``
column per evaluator. Saved as users keep them:

- ``evals_results.csv`` (``to_csv()``: Python reprs) and ``evals_results.jsonl``
  (``reset_index().to_json(orient="records", lines=True)``); ``to_parquet()`` fails on this frame
  (pyarrow cannot write the scores' empty ``metadata`` dicts);
- ``annotations.parquet``/``annotations.csv``: ``phoenix.evals.utils.to_annotation_dataframe(results)``,
  the frame Phoenix's docs log back with ``client.spans.log_span_annotations_dataframe``.

``expected.json`` holds each span's scores.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from phoenix.evals import create_evaluator, evaluate_dataframe
from phoenix.evals.utils import to_annotation_dataframe

QA = Path(__file__).resolve().parents[2] / "tests" / "data" / "io" / "real" / "phoenix_queries" / "qa_context.parquet"


@create_evaluator(name="correctness", kind="llm")
def correctness(input: str, output: str, context: str) -> dict:  # the frame's column names
    found = output.replace(",", " ").replace(".", " ").split()[0] in context
    return {"score": float(found), "label": "correct" if found else "incorrect",
            "explanation": "the answer is in the retrieved context" if found else "the context does not say so"}


@create_evaluator(name="concise", kind="code")
def concise(output: str) -> bool:
    return len(output) < 40


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    qa = pd.read_parquet(QA)
    results = evaluate_dataframe(dataframe=qa, evaluators=[correctness, concise], hide_tqdm_bar=True)
    results.to_csv(out / "evals_results.csv")
    results.reset_index().to_json(out / "evals_results.jsonl", orient="records", lines=True)
    annotations = to_annotation_dataframe(dataframe=results)
    annotations.to_parquet(out / "annotations.parquet")
    annotations.to_csv(out / "annotations.csv", index=False)
    expected = [{"span_id": span_id, "trace_id": row["context.trace_id"], "question": row["input"],
                 "answer": row["output"], "scores": [row[c] for c in results.columns if c.endswith("_score")]}
                for span_id, row in results.iterrows()]
    (out / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {sorted(p.name for p in out.iterdir())}")


if __name__ == "__main__":
    main(sys.argv[1])

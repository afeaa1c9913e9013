"""Write the frames Phoenix's span queries and RAG helpers give (fixtures under
tests/data/io/real/phoenix_queries/), with a real Phoenix server and client.

Same set-up as :mod:`phoenix_exports` (its venv, a running ``phoenix serve``)::

    PHOENIX_WORKING_DIR=$(mktemp -d) PHOENIX_TELEMETRY_ENABLED=false /tmp/sdk-phx/bin/phoenix serve &
    /tmp/sdk-phx/bin/python scripts/real_exports/phoenix_span_queries.py tests/data/io/real/phoenix_queries

It sends :data:`phoenix_exports.TRACES` to a new project (``phoenix_traces_api.send_to``), then saves what Phoenix's docs
("Export Data & Query Spans", "Extract data from spans") show users taking for evaluation:

- ``qa_context.{parquet,csv,jsonl}``: ``phoenix.client.helpers.spans.get_input_output_context``
  (index ``context.span_id``; ``context.trace_id, input, output, context, metadata``): one row per
  root span, with the retrieved documents joined;
- ``retrieved_documents.{parquet,csv}``: ``get_retrieved_documents`` (index ``context.span_id``,
  ``document_position``; ``context.trace_id, input, document, document_score, document_metadata``);
- ``llm_select.parquet``: ``SpanQuery().where("span_kind == 'LLM'").select("input.value",
  "output.value")`` (index ``context.span_id`` only);
- ``llm_select_trace.parquet``: the same query selecting ``"trace_id"`` too, with
  ``.rename(**{"input.value": "input", "output.value": "output"})``;
- ``roots_by_trace.parquet``: ``SpanQuery().where("parent_id is None").select("input.value",
  "output.value").with_index("trace_id")`` (indexed by ``context.trace_id``: no span ids);
- ``annotated_spans.parquet``: ``SpanQuery().where("annotations['correctness']")``: whole spans
  with an annotation (the spans-dataframe shape).

Parquet and CSV keep the index (pandas' defaults); ``jsonl`` is ``reset_index().to_json(orient=
"records", lines=True)``. What was sent is written to ``expected.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import phoenix_exports  # the traces
import phoenix_traces_api  # their sender

PROJECT, TRACES = "feedback-lab-queries", phoenix_exports.TRACES


def main(out_dir: str) -> None:
    from phoenix.client.helpers.spans import get_input_output_context, get_retrieved_documents
    from phoenix.client.types.spans import SpanQuery

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids, client = phoenix_traces_api.send_to(PROJECT)
    for _ in range(60):  # the traces are listed once their roots are in: wait for every span
        if len(client.spans.get_spans_dataframe(project_identifier=PROJECT)) == 3 * len(TRACES):
            break
        time.sleep(0.5)
    client.spans.add_span_annotation(span_id=ids[0]["root"], annotation_name="correctness", annotator_kind="LLM",
                                     label="correct", score=1.0, explanation="Paris is right.", sync=True)

    qa = get_input_output_context(client, project_name=PROJECT)
    qa.to_parquet(out / "qa_context.parquet")
    qa.to_csv(out / "qa_context.csv")
    qa.reset_index().to_json(out / "qa_context.jsonl", orient="records", lines=True)
    docs = get_retrieved_documents(client, project_name=PROJECT)
    docs.to_parquet(out / "retrieved_documents.parquet")
    docs.to_csv(out / "retrieved_documents.csv")
    q = SpanQuery().where("span_kind == 'LLM'").select("input.value", "output.value")
    client.spans.get_spans_dataframe(query=q, project_identifier=PROJECT).to_parquet(out / "llm_select.parquet")
    q = (SpanQuery().where("span_kind == 'LLM'").select("trace_id", "input.value", "output.value")
         .rename(**{"input.value": "input", "output.value": "output"}))
    client.spans.get_spans_dataframe(query=q, project_identifier=PROJECT).to_parquet(out / "llm_select_trace.parquet")
    q = SpanQuery().where("parent_id is None").select("input.value", "output.value").with_index("trace_id")
    client.spans.get_spans_dataframe(query=q, project_identifier=PROJECT).to_parquet(out / "roots_by_trace.parquet")
    q = SpanQuery().where("annotations['correctness']")
    client.spans.get_spans_dataframe(query=q, project_identifier=PROJECT).to_parquet(out / "annotated_spans.parquet")

    expected = [{"trace_id": i["trace"], "root_span_id": i["root"], "llm_span_id": i["llm"],
                 "retriever_span_id": i["retriever"], "question": t["question"], "answer": t["answer"],
                 "n_docs": len(t["docs"]), "session_id": t["session"]} for i, t in zip(ids, TRACES, strict=True)]
    (out / "expected.json").write_text(json.dumps({"traces": expected}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {sorted(p.name for p in out.iterdir())}")


if __name__ == "__main__":
    main(sys.argv[1])

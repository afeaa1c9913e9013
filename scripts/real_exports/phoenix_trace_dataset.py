"""Write a real ``TraceDataset.save()`` folder (tests/data/io/real/phoenix/trace_dataset/).

Phoenix's "save and load traces" backup (``px.Client().get_trace_dataset().save()`` in the legacy
client; ``phoenix.trace.TraceDataset(spans_df, evaluations=[...]).save(dir)`` with the current one)
writes ``trace_dataset-<id>.parquet`` (the spans dataframe, with the dataset id and its evaluation
ids in the Parquet metadata under ``arize``) and one ``evaluations-<id>.parquet`` per evaluation.
This script builds it from what :mod:`phoenix_exports` saved: the spans dataframe the server
returned (``spans_df.parquet``) and the evaluations of ``expected.json``. Needs ``arize-phoenix``
(the venv of :mod:`phoenix_exports`, NOT the project venv)::

    /tmp/sdk-phx/bin/python scripts/real_exports/phoenix_trace_dataset.py tests/data/io/real/phoenix
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(real_dir: str) -> None:
    import pandas as pd
    from phoenix.trace import SpanEvaluations, TraceDataset

    src = Path(real_dir)
    out = src / "trace_dataset"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.parquet"):
        old.unlink()
    expected = json.loads((src / "expected.json").read_text())
    ids = expected["ids"]
    spans = pd.read_parquet(src / "spans_df.parquet")
    ev = pd.DataFrame([{"context.span_id": ids[ti][w], "label": lab, "score": sc, "explanation": ex}
                       for ti, w, _, lab, sc, ex in expected["evals"]]).set_index("context.span_id")
    evals = SpanEvaluations(eval_name=expected["evals"][0][2], dataframe=ev)
    TraceDataset(spans, name="feedback-lab-real", evaluations=[evals]).save(out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/phoenix")

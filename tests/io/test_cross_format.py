"""The same sample data in every platform format loads to the same canonical frames.

``feedback_lab.sample_data.write`` writes the canonical JSONL files and one copy per platform
under ``exports/<platform>/``. Each copy is read with ``fl.read_traces`` and compared with the
canonical frames column by column (traces), per trace (feedback: name, value, label, comment,
annotator_kind, annotator, timestamp, span_id) and per trace and kind (span counts).

What a platform genuinely cannot carry is listed below in :data:`GAPS`, per format, with the
reason (also in the exporter's module docstring); those columns are not compared, and where the
platform stores feedback differently (no score names, numeric-only scores, last write wins) the
expected frame is derived from the canonical one by the platform's documented rule. Nothing else
is skipped.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.sample_data import PLATFORMS
from feedback_lab.sample_data._export_otel import otel_span_id, otel_trace_id
from feedback_lab.sample_data._export_platform_common import hex_id

COMMITTED = Path(__file__).resolve().parents[2] / "sample_data"

TRACE_COLS = ("session_id", "user_id", "timestamp", "model", "prompt_version", "task", "input", "output",
              "reference", "latency_ms", "input_tokens", "output_tokens", "cost", "status", "tags", "metadata")
FEEDBACK_COLS = ("name", "value", "label", "comment", "annotator_kind", "annotator", "timestamp", "span_id")
#: not compared for any format, with the reason
ALWAYS_EXCLUDED = {
    "traces.source": "names the loader that read the row (e.g. 'langfuse'), by design different per format",
    "feedback.metadata": "the exporters do not write the canonical judge metadata (judge_model/judge_prompt); "
                         "readers fill feedback.metadata with the platform's own score fields (ids, data types)",
}


@dataclasses.dataclass(frozen=True)
class Gap:
    """What one format cannot carry (column -> reason) and how its feedback is stored."""

    traces: dict[str, str] = dataclasses.field(default_factory=dict)
    feedback: dict[str, str] = dataclasses.field(default_factory=dict)
    #: canonical feedback -> the feedback the platform stores (its documented rule), or None for identity
    feedback_rule: Callable[[pl.DataFrame, pl.DataFrame], pl.DataFrame] | None = None
    #: "root": trace-level feedback is stored on the trace's root span, so span_id is the root span id
    feedback_span: str | None = None
    #: None: spans compared per trace and kind; otherwise why they are not (or which kinds are extra)
    spans: str | None = None
    extra_span_kinds: tuple[str, ...] = ()
    #: maps a canonical trace/span id to the id the format writes
    trace_id: Callable[[str], str] = str
    span_id: Callable[[str], str] = str


def _braintrust_feedback(fb: pl.DataFrame, traces: pl.DataFrame) -> pl.DataFrame:
    """Braintrust scores are numbers: a row without a value has no score; comments other than an
    LLM scorer's rationale are separate comment rows (``name="comment"``, by a human)."""
    scored = fb.filter(pl.col("value").is_not_null()).with_columns(
        comment=pl.when(pl.col("annotator_kind") == "llm").then(pl.col("comment")))
    comments = fb.filter(pl.col("comment").is_not_null() & (pl.col("annotator_kind") != "llm")).with_columns(
        name=pl.lit("comment"), value=pl.lit(None, pl.Float64), annotator_kind=pl.lit("human"))
    return pl.concat([scored, comments], how="vertical_relaxed")


def _helicone_feedback(fb: pl.DataFrame, traces: pl.DataFrame) -> pl.DataFrame:
    """Helicone keeps ``{name: int}`` per request, last write wins: thumbs -> ``user_feedback``,
    pass/fail of LLM/code judges -> ``<name>-hcone-bool`` (read back as name, label true/false),
    other integer scores keep their name; non-integer scores are dropped."""
    fb = fb.sort("timestamp", maintain_order=True)
    thumbs = (pl.col("annotator_kind") == "user") & pl.col("value").is_in([0.0, 1.0]) & (pl.col("name") == "thumbs")
    boolean = pl.col("annotator_kind").is_in(["llm", "code"]) & pl.col("label").is_in(["pass", "fail"])
    integer = pl.col("value").is_not_null() & (pl.col("value") == pl.col("value").round(0))
    out = fb.with_columns(
        name=pl.when(thumbs).then(pl.lit("user_feedback")).otherwise(pl.col("name")),
        value=pl.when(boolean).then((pl.col("label") == "pass").cast(pl.Float64)).otherwise(pl.col("value")),
        _key=pl.when(boolean).then(pl.col("name") + "-hcone-bool").otherwise(pl.col("name")),
        _keep=thumbs | boolean | integer,
    ).filter("_keep")
    return out.group_by("trace_id", "_key", maintain_order=True).last().drop("_key", "_keep")


def _latitude_feedback(fb: pl.DataFrame, traces: pl.DataFrame) -> pl.DataFrame:
    """Latitude annotations have no name and pass/fail instead of a label; code results are
    written through the API and read back as ``user``."""
    return fb.with_columns(name=pl.lit("annotation"),
                           annotator_kind=pl.col("annotator_kind").replace({"code": "user"}))


GAPS: dict[str, Gap] = {
    "langfuse": Gap(),
    "langsmith": Gap(feedback_span="root"),
    "phoenix": Gap(feedback_span="root"),
    "otel": Gap(feedback_span="root", trace_id=otel_trace_id, span_id=otel_span_id),
    "braintrust": Gap(
        traces={"task": "no Braintrust field; the root metadata is the trace's metadata"},
        feedback={"label": "Braintrust scores are numbers (a categorical score keeps only its value)",
                  "annotator": "reviewer/scorer identity is not a score field (scorer span name, review metadata)",
                  "timestamp": "comment rows and merged scores carry the row's time, not the score's"},
        feedback_rule=_braintrust_feedback,
        feedback_span="root",
        extra_span_kinds=("evaluator",),
    ),
    "helicone": Gap(
        traces={"task": "no Helicone request field", "reference": "no Helicone request field",
                "tags": "Helicone requests have no tags (custom properties go to metadata)"},
        feedback={"label": "Helicone scores are integers (label is derived: up/down, true/false)",
                  "comment": "Helicone keeps no score comment", "annotator": "Helicone keeps no annotator",
                  "annotator_kind": "only thumbs (user) and -hcone-bool (llm) say who scored",
                  "timestamp": "Helicone keeps no score time"},
        feedback_rule=_helicone_feedback,
        spans="Helicone logs one record per LLM request: no span tree",
    ),
    "latitude": Gap(
        traces={"task": "no Latitude v2 trace field", "reference": "no Latitude v2 trace field"},
        feedback={"label": "annotations have pass/fail, not a label"},
        feedback_rule=_latitude_feedback,
        feedback_span="root",
        span_id=lambda s: hex_id(s, 8),
        spans="the v2 traces export and trace detail have no span rows (only spanCount)",
    ),
}


# ---------------------------------------------------------------- comparison helpers
def _text(v) -> str:
    """A comparable text for one cell (floats to 6 significant digits, JSON objects key-sorted)."""
    if v is None:
        return "<null>"
    if isinstance(v, float):
        return "<nan>" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return json.dumps(list(v), ensure_ascii=False)
    return str(v)


def _meta_text(v) -> str:
    if v is None:
        return "<null>"
    try:
        return json.dumps(json.loads(v), sort_keys=True, ensure_ascii=False)
    except ValueError:
        return str(v)


def _column_diffs(expected: pl.DataFrame, got: pl.DataFrame, cols, key: str, where: str) -> list[str]:
    problems = []
    for c in cols:
        if c not in got.columns:
            problems.append(f"{where}.{c}: column missing")
            continue
        conv = _meta_text if c == "metadata" else _text
        a = [conv(v) for v in expected[c].to_list()]
        b = [conv(v) for v in got[c].to_list()]
        bad = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if bad:
            i = bad[0]
            problems.append(f"{where}.{c}: {len(bad)} of {len(a)} rows differ; first at {key}="
                            f"{expected[key][i]!r}: expected {a[i][:100]!r}, got {b[i][:100]!r}")
    return problems


def _sort_feedback(fb: pl.DataFrame, cols) -> pl.DataFrame:
    keys = ["trace_id", "name", "annotator_kind", "annotator", "timestamp", "value", "label", "comment"]
    return fb.select(["trace_id", *cols]).sort([k for k in keys if k in cols or k == "trace_id"],
                                              nulls_last=True, maintain_order=True)


def _ids(col: str, to_id: Callable[[str], str]) -> pl.Expr:
    """``col`` with each id mapped to the id the format writes (unchanged when the format keeps ids)."""
    return pl.col(col) if to_id is str else pl.col(col).map_elements(to_id, return_dtype=pl.String)


def _root_span(spans: pl.DataFrame) -> pl.DataFrame:
    return spans.filter(pl.col("parent_id").is_null()).group_by("trace_id").agg(
        pl.col("span_id").sort_by("start").first().alias("_root"))


def compare(platform: str, canon, loaded) -> list[str]:
    """Every difference between a platform copy and the canonical frames, as messages."""
    gap = GAPS[platform]
    problems: list[str] = []
    if len(loaded.rejects):
        problems.append(f"{len(loaded.rejects)} rejects, e.g. {loaded.rejects.row(0, named=True)}")
    to_id = gap.trace_id
    # ---- traces
    exp_t = canon.traces.with_columns(_ids("trace_id", to_id)).sort("trace_id")
    got_t = loaded.traces.sort("trace_id")
    if exp_t["trace_id"].to_list() != got_t["trace_id"].to_list():
        missing = set(exp_t["trace_id"]) - set(got_t["trace_id"])
        extra = set(got_t["trace_id"]) - set(exp_t["trace_id"])
        return [*problems, f"traces.trace_id: {len(missing)} missing (e.g. {sorted(missing)[:3]}), "
                           f"{len(extra)} unexpected (e.g. {sorted(extra)[:3]})"]
    cols = [c for c in TRACE_COLS if c not in gap.traces]
    problems += _column_diffs(exp_t, got_t, cols, "trace_id", f"{platform} traces")
    # ---- feedback
    exp_f = canon.feedback
    if gap.feedback_rule is not None:
        exp_f = gap.feedback_rule(exp_f, canon.traces)
    exp_f = exp_f.with_columns(_ids("trace_id", to_id))
    if gap.feedback_span == "root":
        roots = _root_span(canon.spans).with_columns(
            _ids("trace_id", to_id),
            _ids("_root", gap.span_id))
        exp_f = exp_f.join(roots, on="trace_id", how="left").with_columns(span_id=pl.col("_root")).drop("_root")
    fcols = [c for c in FEEDBACK_COLS if c not in gap.feedback]
    exp_f, got_f = _sort_feedback(exp_f, fcols), _sort_feedback(loaded.feedback, fcols)
    n_exp = exp_f.group_by("trace_id", "name").len()
    n_got = got_f.group_by("trace_id", "name").len()
    counts = n_exp.join(n_got, on=["trace_id", "name"], how="full", coalesce=True, suffix="_got").filter(
        pl.col("len").fill_null(0) != pl.col("len_got").fill_null(0))
    if len(counts):
        r = counts.row(0, named=True)
        problems.append(f"{platform} feedback: rows per (trace_id, name) differ for {len(counts)} pairs; first "
                        f"{r['trace_id']!r}/{r['name']!r}: expected {r['len'] or 0}, got {r['len_got'] or 0} "
                        f"(totals {len(exp_f)} vs {len(got_f)})")
    else:
        problems += _column_diffs(exp_f, got_f, fcols, "trace_id", f"{platform} feedback")
    # ---- spans
    if gap.spans is None:
        exp_s = canon.spans.with_columns(_ids("trace_id", to_id)) \
            .group_by("trace_id", "kind").len().sort("trace_id", "kind")
        got_s = loaded.spans.filter(~pl.col("kind").is_in(list(gap.extra_span_kinds))) \
            .group_by("trace_id", "kind").len().sort("trace_id", "kind")
        if not exp_s.equals(got_s):
            diff = exp_s.join(got_s, on=["trace_id", "kind"], how="full", coalesce=True, suffix="_got").filter(
                pl.col("len").fill_null(0) != pl.col("len_got").fill_null(0))
            problems.append(f"{platform} spans: count per (trace_id, kind) differs for {len(diff)} pairs, e.g. "
                            f"{diff.head(3).rows()}")
    return problems


# ---------------------------------------------------------------- tests
@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    from feedback_lab import sample_data

    out = tmp_path_factory.mktemp("cross_format")
    sample_data.write(out, n_traces=300)
    return out


@pytest.fixture(scope="session")
def canonical(generated):
    return fl.read_traces(generated)


def test_every_platform_has_a_documented_gap_entry():
    assert set(GAPS) == set(PLATFORMS)
    for name, gap in GAPS.items():
        for col, why in {**gap.traces, **gap.feedback}.items():
            assert why.strip(), f"{name}: excluded column {col!r} needs a reason"
            assert col in TRACE_COLS or col in FEEDBACK_COLS, f"{name}: unknown column {col!r}"


def test_canonical_copy_reads_back_exactly(generated, canonical):
    from feedback_lab import sample_data

    ts = sample_data.generate(n_traces=300)
    for frame in ("traces", "spans", "feedback", "events"):
        want, got = getattr(ts, frame), getattr(canonical, frame)
        cols = [c for c in want.columns if c not in ("source", "metadata", "attributes", "payload")]
        assert got.select(cols).equals(want.select(cols)), f"canonical {frame} changed on the way through JSONL"
    assert canonical.feedback["value"].null_count() == ts.feedback["value"].null_count()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_platform_copy_loads_to_the_canonical_frames(platform, generated, canonical):
    loaded = fl.read_traces(generated / "exports" / platform)
    problems = compare(platform, canonical, loaded)
    assert not problems, f"{platform} export differs from the canonical sample data:\n  " + "\n  ".join(problems)


@pytest.mark.skipif(not (COMMITTED / "exports").is_dir(), reason="sample_data/exports is not in this checkout")
def test_committed_exports_load_to_the_committed_canonical_frames():
    canon = fl.read_traces(COMMITTED)
    problems = []
    for platform in PLATFORMS:
        folder = COMMITTED / "exports" / platform
        assert folder.is_dir(), f"{folder} is missing; regenerate with python -m feedback_lab.sample_data sample_data"
        problems += compare(platform, canon, fl.read_traces(folder))
    assert not problems, "committed exports differ from sample_data/*.jsonl.gz:\n  " + "\n  ".join(problems)


def test_events_are_a_documented_gap_of_every_platform(generated, canonical):
    """No platform format has implicit events (regenerate/edit/copy): they load from the canonical
    files only. Documented in every exporter's docstring; fails when a format starts carrying them."""
    assert len(canonical.events) > 0
    for platform in PLATFORMS:
        loaded = fl.read_traces(generated / "exports" / platform)
        assert len(loaded.events) == 0, f"{platform} now loads events: compare them in this module"

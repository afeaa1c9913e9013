"""Write Langfuse blob-storage exports in Parquet (tests/data/io/real/langfuse_blob/).

Parquet is the default file type of Langfuse's blob-storage export since 2026-07
(``BlobStorageIntegrationFileType.PARQUET``). The worker does not write it itself: it runs the
export's SELECT on ClickHouse with ``FORMAT Parquet`` and uploads the bytes as they come
(``getTracesForBlobStorageExportParquet`` and siblings in ``packages/shared/src/server/
repositories``, settings ``output_format_parquet_row_group_size*`` only). This script does the
same with chDB (ClickHouse in process) on tables created with the column types of Langfuse's
ClickHouse migrations (``0001_traces``, ``0002_observations``, ``0003_scores`` and the columns
added later that the export reads: ``environment``, ``session_id`` and ``dataset_run_id`` on
scores), so the files have the types ClickHouse's Parquet writer gives them (``Map`` columns as
Parquet maps, ``DateTime64(3)`` as UTC milliseconds, ``Decimal64(12)``, ``Bool``, ``Array``).

The SELECTs are the export's own for ``traces``, ``observations`` (the columns of
``LEGACY_OBSERVATION_EXPORT_FIELDS``, latency in seconds) and ``scores``. ``observations_v2``
(the v4 events table) is reconstructed from its field groups (core, basic, time, io, metadata,
model, usage, prompt, metrics, trace_context): the events table itself is not created here, its
rows are the observations with their trace's fields, and a root's parent is ``''`` as in events.

Needs ``chdb`` (NOT the project venv)::

    python3 -m venv /tmp/chdb-venv && /tmp/chdb-venv/bin/pip install chdb==4.4.0
    /tmp/chdb-venv/bin/python scripts/real_exports/langfuse_blob_parquet.py tests/data/io/real/langfuse_blob

Files: ``<project>/{traces,observations,scores,observations_v2}/2026-03-01T12-00-00.parquet``
(the export's object keys), ``binary_strings/{traces,observations,scores}.parquet`` (the same
tables with ``output_format_parquet_string_as_string = 0``: text as Parquet BINARY) and
``expected.json`` (what was inserted).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

PROJECT = "cm-proj-7f3a"
KEY = "2026-03-01T12-00-00"

TRACES = [
    {"id": "tr-1", "timestamp": "2026-03-01 10:00:00.123", "name": "support-chat", "user_id": "u-1",
     "session_id": "s-1", "tags": ["prod", "eu"], "metadata": {"prompt_version": "p3", "app": "web"},
     "release": "1.4.0", "version": None,
     "input": json.dumps({"messages": [{"role": "user", "content": "Where is my order #1042?"}]}),
     "output": json.dumps({"role": "assistant", "content": 'It ships today, "express" — arrives Tuesday.\nTrack it in the app.'}),
     "question": "Where is my order #1042?",
     "answer": 'It ships today, "express" — arrives Tuesday.\nTrack it in the app.'},
    {"id": "tr-2", "timestamp": "2026-03-01 10:05:00.000", "name": "support-chat", "user_id": "u-2",
     "session_id": None, "tags": [], "metadata": {}, "release": None, "version": "v2",
     "input": "Cancel my subscription", "output": "Done. Your plan ends on 31 March.",
     "question": "Cancel my subscription", "answer": "Done. Your plan ends on 31 March."},
]

# (id, trace, type, parent, start, end, name, model, usage {key: n}, cost {key: usd}, input, output, level)
OBSERVATIONS = [
    ("obs-1", "tr-1", "SPAN", None, "2026-03-01 10:00:00.123", "2026-03-01 10:00:02.400", "agent",
     None, {}, {}, TRACES[0]["input"], TRACES[0]["output"], "DEFAULT"),
    ("obs-2", "tr-1", "GENERATION", "obs-1", "2026-03-01 10:00:00.200", "2026-03-01 10:00:02.300", "llm-call",
     "gpt-4o-mini-2024-07-18", {"input": 31, "input_cached_tokens": 9, "output": 17, "total": 57},
     {"input": 0.0000046, "output": 0.0000102, "total": 0.0000148},
     json.dumps([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where is my order #1042?"}]),
     json.dumps({"role": "assistant", "content": TRACES[0]["answer"]}), "DEFAULT"),
    ("obs-3", "tr-2", "GENERATION", None, "2026-03-01 10:05:00.000", "2026-03-01 10:05:00.900", "llm-call",
     "claude-3-5-haiku-20241022", {"input": 12, "output": 9, "total": 21}, {"total": 0.0000201},
     TRACES[1]["input"], TRACES[1]["output"], "WARNING"),
]

# (id, trace, observation, name, value, string_value, data_type, source, comment)
SCORES = [
    ("sc-1", "tr-1", None, "helpfulness", 0.9, None, "NUMERIC", "EVAL", "clear and correct"),
    ("sc-2", "tr-1", None, "correctness", 1.0, "correct", "CATEGORICAL", "ANNOTATION", "checked against the order"),
    ("sc-3", "tr-1", "obs-2", "thumbs", 1.0, "True", "BOOLEAN", "API", None),
    ("sc-4", "tr-2", None, "helpfulness", 0.2, None, "NUMERIC", "EVAL", None),
]


def _s(v) -> str:
    """A ClickHouse literal."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_s(x) for x in v) + "]"
    if isinstance(v, dict):
        return "map(" + ", ".join(f"{_s(k)}, {_s(x)}" for k, x in v.items()) + ")" if v else "map()"
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def main(out_dir: str) -> None:
    from chdb import session

    out = Path(out_dir)
    shutil.rmtree(out / PROJECT, ignore_errors=True)  # SOURCE.md stays
    s = session.Session()
    s.query("CREATE DATABASE lf")
    s.query("""CREATE TABLE lf.traces (
        id String, timestamp DateTime64(3), name String, user_id Nullable(String),
        metadata Map(LowCardinality(String), String), release Nullable(String), version Nullable(String),
        project_id String, environment LowCardinality(String) DEFAULT 'default', public Bool, bookmarked Bool,
        tags Array(String), input Nullable(String) CODEC(ZSTD(3)), output Nullable(String) CODEC(ZSTD(3)),
        session_id Nullable(String), created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(),
        event_ts DateTime64(3), is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) ORDER BY (project_id, toDate(timestamp), id)""")
    s.query("""CREATE TABLE lf.observations (
        id String, trace_id String, project_id String, environment LowCardinality(String) DEFAULT 'default',
        type LowCardinality(String), parent_observation_id Nullable(String), start_time DateTime64(3),
        end_time Nullable(DateTime64(3)), name String, metadata Map(LowCardinality(String), String),
        level LowCardinality(String), status_message Nullable(String), version Nullable(String),
        input Nullable(String) CODEC(ZSTD(3)), output Nullable(String) CODEC(ZSTD(3)),
        provided_model_name Nullable(String), internal_model_id Nullable(String), model_parameters Nullable(String),
        provided_usage_details Map(LowCardinality(String), UInt64), usage_details Map(LowCardinality(String), UInt64),
        provided_cost_details Map(LowCardinality(String), Decimal64(12)),
        cost_details Map(LowCardinality(String), Decimal64(12)), total_cost Nullable(Decimal64(12)),
        completion_start_time Nullable(DateTime64(3)), prompt_id Nullable(String), prompt_name Nullable(String),
        prompt_version Nullable(UInt16), created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(),
        event_ts DateTime64(3), is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) ORDER BY (project_id, type, toDate(start_time), id)""")
    s.query("""CREATE TABLE lf.scores (
        id String, timestamp DateTime64(3), project_id String, environment LowCardinality(String) DEFAULT 'default',
        trace_id Nullable(String), session_id Nullable(String), dataset_run_id Nullable(String),
        observation_id Nullable(String), name String, value Float64, source String,
        comment Nullable(String) CODEC(ZSTD(1)), author_user_id Nullable(String), config_id Nullable(String),
        data_type String, string_value Nullable(String), queue_id Nullable(String),
        created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(), event_ts DateTime64(3), is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) ORDER BY (project_id, toDate(timestamp), name, id)""")
    for t in TRACES:
        s.query("INSERT INTO lf.traces (id, timestamp, name, user_id, metadata, release, version, project_id, public, "
                "bookmarked, tags, input, output, session_id, created_at, updated_at, event_ts, is_deleted) VALUES ("
                + ", ".join(_s(v) for v in (t["id"], t["timestamp"], t["name"], t["user_id"], t["metadata"], t["release"],
                                            t["version"], PROJECT, False, False, t["tags"], t["input"], t["output"],
                                            t["session_id"], t["timestamp"], t["timestamp"], t["timestamp"], 0)) + ")")
    for oid, tid, typ, parent, start, end, name, model, usage, cost, inp, outp, level in OBSERVATIONS:
        total = cost.get("total")
        s.query("INSERT INTO lf.observations (id, trace_id, project_id, type, parent_observation_id, start_time, end_time, "
                "name, metadata, level, input, output, provided_model_name, model_parameters, provided_usage_details, "
                "usage_details, provided_cost_details, cost_details, total_cost, created_at, updated_at, event_ts, "
                "is_deleted) VALUES ("
                + ", ".join(_s(v) for v in (oid, tid, PROJECT, typ, parent, start, end, name, {}, level, inp, outp, model,
                                            '{"temperature":0}' if model else None, usage, usage, cost, cost, total,
                                            start, start, start, 0)) + ")")
    for sid, tid, oid, name, value, sval, dtype, source, comment in SCORES:
        s.query("INSERT INTO lf.scores (id, timestamp, project_id, trace_id, observation_id, name, value, source, "
                "comment, data_type, string_value, created_at, updated_at, event_ts, is_deleted) VALUES ("
                + ", ".join(_s(v) for v in (sid, "2026-03-01 11:00:00.000", PROJECT, tid, oid, name, value, source, comment,
                                            dtype, sval, "2026-03-01 11:00:00.000", "2026-03-01 11:00:00.000",
                                            "2026-03-01 11:00:00.000", 0)) + ")")
    where = f"WHERE project_id = '{PROJECT}'"
    queries = {
        "traces": f"""SELECT id, timestamp, name, environment, project_id, metadata, user_id, session_id, release,
            version, public as public, bookmarked as bookmarked, tags, input as input, output as output, created_at,
            updated_at FROM lf.traces FINAL {where}""",
        "observations": f"""SELECT id, trace_id, project_id, environment, type, parent_observation_id, start_time,
            end_time, name, metadata, level, status_message, version, input, output, provided_model_name,
            model_parameters, usage_details, cost_details, completion_start_time, prompt_name, prompt_version,
            total_cost, if(isNull(end_time), NULL, date_diff('millisecond', start_time, end_time) / 1000) as latency,
            if(isNull(completion_start_time), NULL,
               date_diff('millisecond', start_time, completion_start_time) / 1000) as time_to_first_token,
            internal_model_id as model_id, created_at, updated_at, prompt_id
            FROM lf.observations FINAL {where}""",
        "scores": f"""SELECT id, timestamp, project_id, environment, trace_id, observation_id, session_id,
            dataset_run_id, name, value, source, comment, data_type, string_value, created_at, updated_at
            FROM lf.scores FINAL {where}""",
        "observations_v2": f"""SELECT o.id as id, o.trace_id as trace_id, o.start_time as start_time,
            o.end_time as end_time, o.project_id as project_id, ifNull(o.parent_observation_id, '') as parent_observation_id,
            o.type as type, o.name as name, o.level as level, o.status_message as status_message,
            o.version as version, o.environment as environment, t.bookmarked as bookmarked, t.public as public,
            t.user_id as user_id, t.session_id as session_id, o.completion_start_time as completion_start_time,
            o.created_at as created_at, o.updated_at as updated_at, o.input as input, o.output as output,
            o.metadata as metadata, o.provided_model_name as provided_model_name,
            o.internal_model_id as internal_model_id, o.model_parameters as model_parameters,
            o.usage_details as usage_details, o.cost_details as cost_details, o.total_cost as total_cost,
            o.prompt_id as prompt_id, o.prompt_name as prompt_name, o.prompt_version as prompt_version,
            if(isNull(o.end_time), NULL, date_diff('millisecond', o.start_time, o.end_time) / 1000) as latency,
            t.tags as tags, t.release as release, t.name as trace_name
            FROM lf.observations o FINAL JOIN lf.traces t FINAL ON t.id = o.trace_id WHERE o.project_id = '{PROJECT}'""",
    }
    for table, q in queries.items():
        d = out / PROJECT / table
        d.mkdir(parents=True)
        (d / f"{KEY}.parquet").write_bytes(s.query(q, "Parquet").bytes())
    # a ClickHouse with output_format_parquet_string_as_string=0 (the default before ClickHouse 23.x,
    # and a setting a self-hosted server may keep) writes String columns as Parquet BINARY
    old = out / "binary_strings"
    shutil.rmtree(old, ignore_errors=True)
    old.mkdir()
    for table in ("traces", "observations", "scores"):
        q = queries[table] + " SETTINGS output_format_parquet_string_as_string = 0"
        (old / f"{table}.parquet").write_bytes(s.query(q, "Parquet").bytes())
    (out / "expected.json").write_text(json.dumps(
        {"project": PROJECT, "traces": TRACES, "observations": OBSERVATIONS, "scores": SCORES}, indent=1,
        ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/langfuse_blob")

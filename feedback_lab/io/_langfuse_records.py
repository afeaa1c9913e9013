"""Langfuse files as records, and the fields of a record (for :mod:`feedback_lab.io._langfuse`).

:func:`records_of` reads JSON, JSONL (API pages unwrapped), the UI's CSV batch exports
(:func:`unquote_cells`) and the blob-storage export's Parquet files (one record per row, as its
JSONL would hold it: maps as objects, times as ISO 8601 UTC, decimals as floats); :func:`field_of` reads a field in camelCase or snake_case;
:func:`record_kind` tells a trace, an observation and a score apart; :func:`sniff` recognises the
files from their first bytes.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from feedback_lab.io._common import (
    Rejects,
    csv_source,
    is_parquet,
    iter_json_records,
    loads_deep,
    open_bytes,
    parquet_columns,
)
from feedback_lab.io._common import to_int as _int
from feedback_lab.io._platform_common import denormalize

__all__ = [
    "KNOWN_FIELDS",
    "KNOWN_SNAKE",
    "OBSERVATION_TYPES",
    "SOURCE_KIND",
    "field_of",
    "first_of",
    "record_kind",
    "records_of",
    "snake_case",
    "sniff",
    "tag_list",
    "token_usage",
    "unquote_cells",
]

OBSERVATION_TYPES = {"SPAN", "GENERATION", "EVENT", "AGENT", "TOOL", "CHAIN", "RETRIEVER", "EVALUATOR",
                     "EMBEDDING", "GUARDRAIL"}
SOURCE_KIND = {"ANNOTATION": "human", "API": "user", "EVAL": "llm"}


#: fields of Langfuse traces and observations (API, UI and blob exports); any other list-valued field of
#: a trace or observation row of the UI export is a score column
KNOWN_FIELDS = (
    "id projectId timestamp name userId sessionId release version environment tags bookmarked public input output "
    "metadata latency usage inputCost outputCost totalCost level errorCount warningCount defaultCount debugCount "
    "observationCount inputTokens outputTokens totalTokens comments scores corrections observations htmlPath createdAt "
    "updatedAt externalId calculatedInputCost calculatedOutputCost calculatedTotalCost traceId type parentObservationId "
    "startTime endTime statusMessage model internalModelId modelParameters completionStartTime promptId promptName "
    "promptVersion timeToFirstToken usageDetails costDetails providedUsageDetails providedCostDetails inputUsage "
    "outputUsage totalUsage usagePricingTierId usagePricingTierName toolDefinitions toolCalls toolCallNames "
    "internalModel providedModelName traceName traceTags traceTimestamp modelId inputPrice outputPrice totalPrice "
    "unit promptTokens completionTokens scoresAvg scoreCategories metadataNames metadataValues").split()


#: ``langfuse api ... --json`` prints ``{"status":200,"headers":{...},"body":...}``
_ENVELOPE = re.compile(rb'\{\s*"status"\s*:\s*\d{3}\s*,\s*"headers"\s*:\s*\{')
_SNIFF_KEYS = (b'"parentObservationId"', b'"projectId"', b'"observations"', b'"dataType"',
               b'"htmlPath"', b'"parent_observation_id"', b'"project_id"', b'"data_type"')


def field_of(rec: dict, *names: str) -> Any:
    """First non-null, non-empty of ``names`` in camelCase or snake_case (the camelCase key first).

    Examples
    --------
    >>> field_of({"trace_id": "t", "name": ""}, "traceId"), field_of({"name": "", "id": 0}, "name", "id")
    ('t', 0)
    """
    get = rec.get
    for n in names:  # called a few dozen times per record: dict lookups only
        v = get(n)
        if v is not None and v != "":
            return v
        snake = snake_case(n)
        if snake != n:
            v = get(snake)
            if v is not None and v != "":
                return v
    return None


@functools.lru_cache(maxsize=1024)  # field_of asks for the same few dozen names on every record
def snake_case(name: str) -> str:
    """``"parentObservationId"`` -> ``"parent_observation_id"``.

    Examples
    --------
    >>> snake_case("parentObservationId"), snake_case("id")
    ('parent_observation_id', 'id')
    """
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


KNOWN_SNAKE = {snake_case(k) for k in KNOWN_FIELDS}


def sniff(path: Path, head: bytes) -> float:
    if head[:4] == b"PAR1":  # a blob-storage export in Parquet: the column names are in the footer
        return _sniff_columns({c.lower().encode() for c in parquet_columns(path) or ()}, parquet=True)
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if h[:1] in (b"{", b"["):
        if b'"trace"' in h[:200] and b'"observations"' in h:
            return 0.95
        hits = sum(k in h for k in _SNIFF_KEYS)
        if hits >= 2 or (hits and (b'"ANNOTATION"' in h or b'"EVAL"' in h or b'"GENERATION"' in h)):
            return 0.85
        if (b'"projectId"' in h or b'"project_id"' in h) and any(k in h for k in (
                b'"sessionId"', b'"userId"', b'"bookmarked"', b'"release"', b'"session_id"', b'"user_id"')):
            return 0.8
        if b'"bookmarked"' in h and b'"public"' in h and any(k in h for k in (b'"sessionId"', b'"userId"')):
            return 0.8  # the UI's traces export (batch export of the traces table has no projectId)
        if b'"objectType"' in h and b'"objectId"' in h and b'"content"' in h:
            return 0.85  # comments API (GET /api/public/comments, /comments/{id})
        if b'"meta"' in h and b'"totalItems"' in h:
            return 0.6
        if _ENVELOPE.match(h):
            return 0.6  # the Langfuse CLI's --json envelope (an error response has no Langfuse keys)
        return 0.0
    first = h.split(b"\n", 1)[0].lower().rstrip(b"\r")
    return _sniff_columns({c.strip(b' "') for c in first.split(b",")})


def _sniff_columns(cols: set[bytes], parquet: bool = False) -> float:
    """Confidence from a table's (lower-cased) column names: observations have a parent observation,
    scores a data type and a trace, traces the bookmarked/public flags. A bare ``project_id`` counts
    for CSV only (Braintrust's Parquet export has one too)."""
    if cols & {b"parentobservationid", b"parent_observation_id"} or (
            not parquet and cols & {b"projectid", b"project_id"}):
        return 0.85
    if cols & {b"datatype", b"data_type"} and cols & {b"traceid", b"trace_id"}:
        return 0.8
    if cols & {b"datatype", b"data_type"} and {b"subject", b"source", b"name", b"value"} <= cols:
        return 0.8  # v3 scores API records saved as a table: the trace is in the ``subject`` object
    if {b"bookmarked", b"public"} <= cols and cols & {b"userid", b"sessionid", b"user_id", b"session_id"}:
        return 0.8
    return 0.0


def records_of(path: Path, rejects: Rejects | None = None):
    """``(line, raw, record | None, error | None)`` over a JSON, JSONL, CSV or Parquet file (API pages
    unwrapped; ``line`` is a Parquet file's row number, from 1). ``raw`` is the record's text, or for
    a table row the record itself (``Rejects.add`` writes it as JSON when it is rejected)."""
    if is_parquet(path):
        from feedback_lab.io._table_records import table_records

        # the record is its own raw text: Rejects.add writes it as JSON only if it is rejected
        for _, row, _, rec in table_records(path, rejects or Rejects("langfuse"), json_fields=frozenset()):
            yield row, rec, denormalize(rec), None
        return
    data = open_bytes(path)
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"["):
        for line, raw, rec, err in iter_json_records(path, data):
            if cli_envelope(rec):  # ``langfuse api ... --json``: the response is in "body"
                if rec["status"] >= 400:
                    yield line, raw, None, _http_error(rec)
                    continue
                rec = rec["body"]
                if isinstance(rec, list):  # an endpoint answering with an array
                    for item in rec:
                        yield line, json.dumps(item, ensure_ascii=False, default=str), item, None
                    continue
                raw = json.dumps(rec, ensure_ascii=False, default=str)
            if isinstance(rec, dict) and isinstance(rec.get("data"), list) and "trace" not in rec:
                _check_complete(path, line, rec.get("meta"))
                for i, item in enumerate(rec["data"], start=1):
                    yield i, json.dumps(item, ensure_ascii=False, default=str), denormalize(item), None
            else:
                yield line, raw, denormalize(rec), err
        return
    import io

    import polars as pl

    from feedback_lab.io._platform_frames import decimal_commas, python_repr_cells

    try:
        data, sep = csv_source(path, data)
        df = decimal_commas(pl.read_csv(io.BytesIO(data), infer_schema=False, separator=sep), sep)
    except (pl.exceptions.PolarsError, UnicodeDecodeError, pl.exceptions.PanicException) as exc:
        from feedback_lab.exceptions import FormatError

        raise FormatError(f"{path}: not a readable Langfuse CSV export ({exc}).") from exc
    df = python_repr_cells(unquote_cells(df))  # pandas' to_csv writes nested fields as Python reprs
    from feedback_lab._progress import ticking

    for i, row in enumerate(ticking(df.iter_rows(named=True), path, len(df))):  # a loading bar moves with the rows
        yield i + 2, row, denormalize(row, decode=True), None


def cli_envelope(rec: Any) -> bool:
    """Whether a record is the response envelope the Langfuse CLI (``langfuse-cli`` on npm) prints
    with ``--json``: ``{"status": 200, "headers": {...}, "body": <the API's response>}``.

    Examples
    --------
    >>> cli_envelope({"status": 200, "headers": {}, "body": {"data": []}}), cli_envelope({"status": "ok"})
    (True, False)
    """
    return (isinstance(rec, dict) and isinstance(rec.get("status"), int) and not isinstance(rec.get("status"), bool)
            and isinstance(rec.get("headers"), dict) and "body" in rec and len(rec) <= 4)


def api_error(rec: dict) -> str | None:
    """The message of an API error body (``{"message": ..., "error": ...}``, as ``langfuse api`` prints
    it without ``--json``), else ``None``.

    Examples
    --------
    >>> api_error({"message": "Trace not found", "error": "LangfuseNotFoundError"})
    'Trace not found (LangfuseNotFoundError)'
    """
    if not rec or not set(rec) <= {"message", "error", "errors", "status", "statusCode", "code", "details"}:
        return None
    msg, name = rec.get("message"), rec.get("error")
    if not isinstance(msg, str) and not isinstance(name, str):
        return None
    text = msg if isinstance(msg, str) else json.dumps(rec.get("errors") or name, ensure_ascii=False, default=str)
    return f"{text} ({name})" if isinstance(name, str) and isinstance(msg, str) and name != msg else text


def _http_error(rec: dict) -> str:
    body = rec.get("body")
    why = api_error(body) if isinstance(body, dict) else None
    if why is None:
        why = json.dumps(body, ensure_ascii=False, default=str)[:300]
    return (f"the Langfuse CLI's response is an error, HTTP {rec['status']}: {why} (no records in it; "
            "run the command again once it succeeds)")


def _check_complete(path: Path, line: int, meta: Any) -> None:
    """Warn when a page says it is not the whole list: ``langfuse api <list> --all`` stops at
    ``--max-items`` (1,000 by default) and marks the merged page ``meta.truncated``."""
    if isinstance(meta, dict) and meta.get("truncated") is True:
        import warnings

        warnings.warn(f"{path} line {line}: the Langfuse CLI stopped at --max-items ({meta.get('fetchedItems')} items "
                      "fetched; 'meta.truncated' is true), so this file does not hold every item: run it again "
                      "with a larger --max-items", stacklevel=2)


def unquote_cells(df):
    """CSV cells that hold a JSON string literal -> that string (``""`` -> null).

    Langfuse's batch export writes every CSV cell through ``JSON.stringify`` except plain strings
    (``packages/shared/src/server/utils/transforms/stringify.ts``, ``stringifyForCsv``): dates arrive
    as ``"2025-03-01T10:00:00.000Z"`` with the quotes, and in exports made before ``stringifyForCsv``
    every string cell is quoted so (ids, names, an absent value as ``""``).
    """
    import polars as pl

    lit = r'^"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"$'
    cols = []
    for c in df.columns:
        hit = df[c].str.contains(lit).fill_null(False)
        if hit.any():
            idx = hit.arg_true()
            dec = df[c].gather(idx).str.json_decode(pl.String)
            cols.append(df[c].scatter(idx, dec.replace("", None)))
    return df.with_columns(cols) if cols else df


def token_usage(o: dict) -> tuple[int | None, int | None]:
    """Input and output tokens of an observation as Langfuse counts them: ``inputUsage``/``outputUsage``,
    else the sums of the ``usageDetails`` keys starting with ``input``/``output`` (cached and reasoning
    tokens included; ``reduceUsageOrCostDetails`` in Langfuse's ``observations.ts``), else the legacy
    ``usage`` object."""
    tin, tout = _int(field_of(o, "inputUsage")), _int(field_of(o, "outputUsage"))
    details = loads_deep(field_of(o, "usageDetails"))
    if isinstance(details, dict) and details and tin is None and tout is None:
        ins = [_int(v) for k, v in details.items() if str(k).startswith("input")]
        outs = [_int(v) for k, v in details.items() if str(k).startswith("output")]
        tin = sum(v for v in ins if v is not None) if any(v is not None for v in ins) else None
        tout = sum(v for v in outs if v is not None) if any(v is not None for v in outs) else None
    if tin is None and tout is None:
        usage = loads_deep(field_of(o, "usage"))
        usage = usage if isinstance(usage, dict) else {}
        tin = _int(first_of(field_of(usage, "input", "promptTokens"), field_of(o, "promptTokens")))
        tout = _int(first_of(field_of(usage, "output", "completionTokens"), field_of(o, "completionTokens")))
    return tin, tout


def first_of(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def tag_list(value: Any) -> list[str] | None:
    tags = loads_deep(value)
    if isinstance(tags, str):
        tags = [x.strip() for x in tags.split(",") if x.strip()]
    return [str(x) for x in tags] if isinstance(tags, list) else None


def record_kind(rec: dict) -> str | None:
    typ = str(field_of(rec, "type") or "").upper()
    if typ in OBSERVATION_TYPES and (field_of(rec, "traceId") is not None or field_of(rec, "startTime") is not None):
        return "observation"
    if field_of(rec, "dataType") is not None or (
        str(field_of(rec, "source") or "").upper() in SOURCE_KIND and field_of(rec, "name") is not None
        and ("value" in rec or "stringValue" in rec or "string_value" in rec)):
        return "score"
    if field_of(rec, "id") is not None and any(field_of(rec, k) is not None for k in (
            "timestamp", "observations", "scores", "sessionId", "userId", "input", "output", "name")):
        return "trace"
    return None

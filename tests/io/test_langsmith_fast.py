"""The column-wise LangSmith reader gives exactly what the per-record reader gives.

Runs files mix lines polars handles column-wise with lines that need the per-record code
(escapes in values and keys, floats, JSON held in strings, non-string scalars, usage-only token counts, naive or
epoch timestamps, duplicate ids); both paths must agree frame for frame, rejects included.
"""

from __future__ import annotations

import json
import random

import pytest

pl = pytest.importorskip("polars")
from polars.testing import assert_frame_equal  # noqa: E402

from feedback_lab.io import _langsmith, _langsmith_fast  # noqa: E402

TEXTS = ["plain question", "line one\nline two", 'say "hi"', "back\\slash", "tab\there", "caf\u00e9 \u2014 ok",
         "\U0001f600 emoji", "", "   ", "[not json", '{"a": 1}', "ctrl\x01char", "x" * 50]
FLOATS = [0.5, 1.0, 1e-7, 2.5e-05, 123.25, 1e16, -0.0, 3]
KEYS = ['a"b', "a\nb", "caf\u00e9", "x\u2028y"]  # keys with escapes (polars writes object keys unescaped)


def _value(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 2 or r < 0.45:
        return rng.choice(TEXTS)
    if r < 0.6:
        return rng.choice(FLOATS)
    if r < 0.7:
        return rng.choice([True, False, None])
    if r < 0.85:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["question", "output", "text", "messages", "k", "model", "usage", *KEYS]): _value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


def _payload(rng: random.Random):
    r = rng.random()
    if r < 0.35:
        return {rng.choice(["question", "input", "output", "answer", "text", "content"]): rng.choice(TEXTS)}
    if r < 0.5:
        return {"messages": [{"role": "user", "content": rng.choice(TEXTS)}]}
    if r < 0.6:
        return json.dumps({"question": rng.choice(TEXTS)})  # JSON held in a string
    if r < 0.7:
        return rng.choice(TEXTS)
    if r < 0.75:
        return None
    if r < 0.8:
        return {rng.choice(KEYS): rng.choice(TEXTS)}  # no text key: the output is the object as JSON
    return _value(rng)


def _runs(rng: random.Random, n: int) -> list[str]:
    lines = []
    for i in range(n):
        tid = f"t{i // 3}"
        root = i % 3 == 0
        rid = f"r{i}" if rng.random() > 0.03 else f"r{max(i - 1, 0)}"  # some duplicate ids
        run = {"id": rid, "name": rng.choice(["chain", "ChatOpenAI", None]), "run_type": rng.choice(["chain", "llm", "LLM", "tool"]),
               "trace_id": tid, "parent_run_id": None if root else f"r{i - i % 3}",
               "dotted_order": f"20260101T000000000000Z{tid}" + ("" if root else f".20260101T000000000001Zr{i}"),
               "start_time": rng.choice(["2026-01-01T00:00:01.000000+00:00", "2026-01-01T00:00:00Z",
                                         "2026-01-01T00:00:02.5", None]),
               "end_time": "2026-01-01T00:00:03.000000+00:00", "inputs": _payload(rng), "outputs": _payload(rng),
               "extra": rng.choice([{"metadata": {"session_id": f"s{i % 5}", "ls_model_name": "gpt-4o-mini",
                                                  "k": rng.choice(FLOATS)}},
                                    {"metadata": {}}, {"invocation_params": {"model": "m"}}, None,
                                    {"metadata": {"session_id": rng.choice(["", "s1", None]), "user_id": "u",
                                                  "conversation_id": "c", "x": rng.choice(TEXTS)}},
                                    {"metadata": {"thread_id": rng.choice(TEXTS), "task": "qa"}}]),
               "tags": rng.choice([["prod"], [], None, ["a", "b"]]), "error": rng.choice([None, None, "boom", ""]),
               "status": rng.choice(["success", None, "pending"])}
        if rng.random() < 0.5:
            run["prompt_tokens"], run["completion_tokens"] = rng.randint(1, 99), rng.choice([5, None])
        elif rng.random() < 0.3:
            run["outputs"] = {"usage_metadata": {"input_tokens": 3, "output_tokens": 4}, "text": "u"}
        if rng.random() < 0.3:
            run["total_cost"] = rng.choice(FLOATS)
        if rng.random() < 0.05:
            run["session_id"] = 7  # a non-string scalar
        lines.append(json.dumps(run, ensure_ascii=rng.random() < 0.5))
    return lines


def _per_record(paths):
    orig = _langsmith.read_fast
    _langsmith.read_fast = lambda p: None
    try:
        return _langsmith.read_langsmith(paths)
    finally:
        _langsmith.read_fast = orig


@pytest.mark.parametrize("seed", range(6))
def test_fast_path_equals_per_record_path(tmp_path, seed):
    rng = random.Random(seed)
    paths = []
    for j in range(2):
        p = tmp_path / f"runs{j}.jsonl"
        p.write_text("\n".join(_runs(rng, 90)) + "\n", encoding="utf-8")
        paths.append(p)
    fb = tmp_path / "feedback.jsonl"
    fb.write_text("\n".join(json.dumps({
        "id": f"f{k}", "run_id": rng.choice([f"r{rng.randrange(180)}", "missing"]), "key": rng.choice(["helpful", ""]),
        "score": rng.choice([1, 0, None, "0.5"]), "value": rng.choice([None, "good"]), "comment": "c",
        "correction": rng.choice([None, {"output": "better"}]), "feedback_source": {"type": rng.choice(["app", "model"])},
        "created_at": "2026-01-02T00:00:00Z"}) for k in range(6)) + "\n", encoding="utf-8")
    paths.insert(seed % 3, fb)
    fast = _langsmith_fast.read_fast(paths)
    assert fast is not None  # these files are JSONL runs: the column-wise path takes them
    slow = _per_record(paths)
    assert set(fast) == set(slow)
    for k in slow:
        if slow[k] is None:
            assert fast[k] is None, k
        else:
            assert_frame_equal(fast[k], slow[k])
    assert len(slow["rejects"]) > 0 and len(slow["feedback"]) > 0  # duplicate ids, feedback without key


def test_files_the_fast_path_leaves_to_the_per_record_reader(tmp_path):
    good = json.dumps({"id": "a", "run_type": "llm", "trace_id": "a"})
    cases = {"array.json": f"[{good}]", "bad.jsonl": f"{good}\n{{oops\n", "one.jsonl": good,
             "fb.jsonl": f'{good}\n{{"key": "k", "run_id": "a", "score": 1}}\n',
             "child.jsonl": f'{good}\n{json.dumps({"id": "b", "run_type": "chain", "trace_id": "b", "child_runs": [{"id": "c", "run_type": "llm"}]})}\n'}
    for name, text in cases.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        assert _langsmith_fast.read_fast([p]) is None, name

"""Feedback and implicit events: end users, three human reviewers, an LLM judge, a JSON validator."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from feedback_lab.sample_data._comments import JUDGE_FAIL, JUDGE_PASS, REVIEWER, USER
from feedback_lab.sample_data._texts import pick
from feedback_lab.sample_data._topics_b import TOPICS

ANNOTATORS = ["ana@orbit.example", "ben@orbit.example", "chloe@orbit.example"]
#: per-annotator probability of flipping a clear-cut verdict
ANNOTATOR_FLIP = {"ana@orbit.example": 0.03, "ben@orbit.example": 0.06, "chloe@orbit.example": 0.09}
#: share of ambiguous items (each reviewer then says "fail" with probability 1/2)
AMBIGUOUS = {"hallucination": 0.2, "outdated_information": 0.3, "length_verbosity": 0.3, "none": 0.06}
JUDGE = "judge:gpt-4o-2024-08-06"
JUDGE_META = json.dumps({"judge_model": "gpt-4o-2024-08-06", "judge_prompt": "correctness-v3"})
#: P(judge says fail | planted mode): lenient on subtle modes, sharp on format and language
#: (on clear-cut items; ambiguous items are a coin toss weighted by JUDGE_AMBIGUOUS_FAIL, for humans and judge alike)
JUDGE_DETECT = {"none": 0.04, "hallucination": 0.62, "refusal": 0.85, "format_error": 0.95, "length_verbosity": 0.6,
                "wrong_language": 0.95, "outdated_information": 0.45}
JUDGE_AMBIGUOUS_FAIL = 0.3
JUDGE_COVERAGE = 0.92
HUMAN_FRACTION = 0.15
THUMBS_DOWN = {"none": 0.08, "hallucination": 0.65, "refusal": 0.85, "format_error": 0.7, "length_verbosity": 0.55,
               "wrong_language": 0.85, "outdated_information": 0.75, "tool_error": 0.9}
CONFUSE = {"hallucination": "outdated_information", "outdated_information": "hallucination",
           "length_verbosity": "other", "refusal": "other", "format_error": "other", "wrong_language": "other"}


def _row(rec, name, *, value=None, label=None, comment=None, kind, annotator, ts, metadata=None) -> dict:
    return {"trace_id": rec["trace_id"], "name": name, "value": None if value is None else float(value),
            "label": label, "comment": comment, "annotator_kind": kind, "annotator": annotator,
            "timestamp": ts, "span_id": None, "metadata": metadata}


def _ms(rng, lo: int, hi: int) -> timedelta:
    return timedelta(milliseconds=int(rng.integers(lo, hi)))


def _comment_slots(rng, rec) -> dict:
    return {"topic": pick(rng, TOPICS[rec["topic"]]["phrases"]), "detail": rec.get("detail", ""),
            "lang": rec.get("lang", ""), "json_issue": rec.get("json_issue", ""), "n": rec.get("n", 4)}


def user_feedback(rng, rec) -> list[dict]:
    mode, fail = rec["mode"], rec["mode"] != "none"
    if rng.random() >= (0.5 if fail else 0.25):
        return []
    ts = rec["end"] + _ms(rng, 5_000, 600_000)
    kw = {"kind": "user", "annotator": rec["user_id"], "ts": ts}
    slots = _comment_slots(rng, rec)
    if rec["user"]["channel"] == "mobile":
        p = [0.4, 0.3, 0.15, 0.1, 0.05] if fail else [0.02, 0.04, 0.12, 0.37, 0.45]
        v = int(rng.choice(5, p=p)) + 1
        comment = None
        if v <= 2 and rng.random() < 0.5:
            comment = pick(rng, USER[mode] if fail else USER["none_negative"]).format_map(slots)
        return [_row(rec, "rating", value=v, comment=comment, **kw)]
    down = rng.random() < THUMBS_DOWN[mode]
    comment = None
    if down and rng.random() < 0.6:
        comment = pick(rng, USER[mode] if fail else USER["none_negative"]).format_map(slots)
    elif not down and rng.random() < 0.15:
        comment = pick(rng, USER["positive"])
    return [_row(rec, "thumbs", value=0 if down else 1, label="thumbs_down" if down else "thumbs_up",
                 comment=comment, **kw)]


def code_feedback(rec) -> list[dict]:
    if rec["task"] != "extraction" or rec["output"] is None:
        return []
    try:
        json.loads(rec["output"])
        ok, msg = True, None
    except json.JSONDecodeError as exc:
        ok, msg = False, f"JSONDecodeError: {exc}"
    return [_row(rec, "valid_json", value=int(ok), label="pass" if ok else "fail", comment=msg, kind="code",
                 annotator="json_validator", ts=rec["end"] + timedelta(milliseconds=40))]


def judge_feedback(rng, rec) -> list[dict]:
    if rec["mode"] == "tool_error" or rng.random() >= JUDGE_COVERAGE:
        return []
    fail_truth = rec["mode"] != "none"
    says_fail = rng.random() < (JUDGE_AMBIGUOUS_FAIL if rec["ambiguous"] else JUDGE_DETECT[rec["mode"]])
    if says_fail:
        score = (0.05 + 0.43 * rng.random()) if fail_truth else (0.3 + 0.19 * rng.random())
    else:
        score = (0.5 + 0.25 * rng.random()) if fail_truth else (0.52 + 0.46 * rng.random())
    score = round(score, 2)
    slots = _comment_slots(rng, rec)
    why = pick(rng, JUDGE_FAIL[rec["mode"]]).format_map(slots) if says_fail else pick(rng, JUDGE_PASS)
    if fail_truth and not says_fail:
        quality = int(rng.choice([3, 4, 5], p=[0.3, 0.5, 0.2]))
    elif says_fail:
        quality = int(rng.choice([1, 2, 3], p=[0.3, 0.5, 0.2]))
    else:
        quality = int(rng.choice([3, 4, 5], p=[0.1, 0.35, 0.55]))
    ts = rec["end"] + _ms(rng, 30_000, 180_000)
    kw = {"kind": "llm", "annotator": JUDGE, "ts": ts, "metadata": JUDGE_META}
    return [_row(rec, "correctness", value=score, label="fail" if says_fail else "pass", comment=why, **kw),
            _row(rec, "quality", value=quality, **{**kw, "metadata": None})]


def pick_human_subset(rng, traces: list[dict]) -> list[int]:
    """Indices of the human-reviewed traces: about half failing, half fine, over all weeks."""
    k = max(2, round(HUMAN_FRACTION * len(traces)))
    failing = [i for i, r in enumerate(traces) if r["mode"] not in ("none", "tool_error")]
    fine = [i for i, r in enumerate(traces) if r["mode"] == "none"]
    n_fail = min(len(failing), round(k * 0.45))
    n_fine = min(len(fine), k - n_fail)
    chosen = list(rng.choice(failing, n_fail, replace=False)) if n_fail else []
    chosen += list(rng.choice(fine, n_fine, replace=False)) if n_fine else []
    return sorted(int(i) for i in chosen)


def human_feedback(rng, rec, end: datetime) -> list[dict]:
    mode = rec["mode"]
    fail_truth = mode != "none"
    ambiguous = rec["ambiguous"]
    who = [a for a in ANNOTATORS if rng.random() < 0.9]
    if len(who) < 2:
        who = list(ANNOTATORS)
    rows = []
    for a in who:
        if ambiguous:
            says_fail = rng.random() < 0.5
        else:
            says_fail = fail_truth != (rng.random() < ANNOTATOR_FLIP[a])
        slots = _comment_slots(rng, rec)
        if says_fail:
            key = mode if fail_truth else None
            comment = (pick(rng, REVIEWER[key]) if key else "Partially answers the {topic} question; not good enough.")
            category = (mode if rng.random() < 0.85 else CONFUSE[mode]) if fail_truth else "other"
            quality = int(rng.choice([1, 2, 3], p=[0.35, 0.45, 0.2]))
        else:
            comment = pick(rng, REVIEWER["none"]) if rng.random() < 0.3 else None
            category = None
            quality = int(rng.choice([3, 4, 5], p=[0.2, 0.45, 0.35]) if not fail_truth else rng.choice([3, 4], p=[0.6, 0.4]))
        if a == "chloe@orbit.example" and quality > 1 and rng.random() < 0.3:
            quality -= 1  # the strict reviewer
        comment = comment.format_map(slots) if comment else None
        if comment and a == "chloe@orbit.example":
            comment = comment[0].lower() + comment[1:]
        lo = rec["end"] + timedelta(minutes=1)
        ts = min(rec["end"] + _ms(rng, 3_600_000, 3 * 86_400_000), max(lo, end - timedelta(minutes=1)))
        kw = {"kind": "human", "annotator": a, "ts": ts, "metadata": '{"rubric": "correctness-v2"}'}
        rows.append(_row(rec, "correctness", value=0 if says_fail else 1, label="fail" if says_fail else "pass",
                         comment=comment, **kw))
        rows.append(_row(rec, "quality", value=quality, **{**kw, "metadata": None}))
        if category:
            rows.append(_row(rec, "failure_mode", label=category, **{**kw, "metadata": None}))
    return rows


def events(rng, rec) -> list[dict]:
    """Implicit signals: regenerate, edit (payload = edited text), copy, abandon."""
    mode, fail = rec["mode"], rec["mode"] != "none"
    out, t = [], rec["end"]

    def add(name, payload=None, lo=3_000, hi=120_000):
        nonlocal t
        t = t + _ms(rng, lo, hi)
        out.append({"trace_id": rec["trace_id"], "session_id": rec["session_id"], "event": name,
                    "timestamp": t, "payload": payload})

    p_regen = {"refusal": 0.5, "tool_error": 0.7}.get(mode, 0.35) if fail else 0.05
    if rng.random() < p_regen:
        for _ in range(1 + int(rng.random() < 0.3)):
            add("regenerate", lo=5_000, hi=60_000)
    if rec["output"] is not None:
        p_edit = {"length_verbosity": 0.3, "format_error": 0.3, "hallucination": 0.15, "wrong_language": 0.2}.get(mode, 0.05) if fail else 0.04
        if rng.random() < p_edit:
            add("edit", _edited(rng, rec), lo=20_000, hi=300_000)
        if rng.random() < (0.08 if fail else 0.4):
            add("copy")
    p_abandon = {"refusal": 0.3, "tool_error": 0.4}.get(mode, 0.18) if fail else 0.03
    if rec["last_in_session"] and rng.random() < p_abandon:
        add("abandon", lo=30_000, hi=600_000)
    return out


def _edited(rng, rec) -> str:
    """What the user turned the output into: the correct answer (failing) or a trimmed output (fine)."""
    if rec["task"] == "extraction":
        record = json.loads(rec["reference"])
        if rec["mode"] == "none":  # the user corrects the priority
            record["priority"] = pick(rng, [p for p in ("low", "normal", "high", "urgent") if p != record["priority"]])
        return json.dumps(record, indent=2, ensure_ascii=False)
    if rec["mode"] != "none":
        text = rec["correct"]
    else:
        sentences = rec["output"].split(". ")
        text = ". ".join(sentences[:-1]) + "." if len(sentences) > 2 else rec["output"]
    if rng.random() < 0.5:
        text += pick(rng, [" (edited)", " Thanks!", " See the help center for screenshots.", ""])
    if text == rec["output"]:
        text = text + " Updated by me."
    return text

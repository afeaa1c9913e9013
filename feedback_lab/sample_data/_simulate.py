"""Traffic simulation: users, sessions, traces with planted failure modes, and span trees."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np

from feedback_lab.sample_data import _texts
from feedback_lab.sample_data._texts import pick
from feedback_lab.sample_data._topics_b import NEW_TOPIC, NEW_TOPIC_SHARE, TOPIC_WEIGHTS, TOPICS

DAYS = 56
DRIFT_DAY = 42  # the last two weeks: prompt 1.3.0, the new topic, more broken JSON
MS_DAY = 86_400_000
PROMPT_BEFORE, PROMPT_AFTER = "1.2.0", "1.3.0"
APP_VERSIONS = [(0, "4.12.0"), (21, "4.12.1"), (35, "4.13.0")]

MODELS = {
    "gpt-4o-mini-2024-07-18": {"share": 0.65, "in": 0.15e-6, "out": 0.60e-6, "ms_tok": 14, "base": 350},
    "claude-3-5-haiku-20241022": {"share": 0.35, "in": 0.80e-6, "out": 4.00e-6, "ms_tok": 18, "base": 450},
}
MODEL_IDS = list(MODELS)
TASKS = {"support_qa": 0.5, "summarization": 0.28, "extraction": 0.22}
TASK_IDS = list(TASKS)
BASE_RATES = {
    "support_qa": {"hallucination": 0.07, "refusal": 0.035, "length_verbosity": 0.055, "wrong_language": 0.03,
                   "outdated_information": 0.045},
    "summarization": {"hallucination": 0.065, "refusal": 0.02, "length_verbosity": 0.065, "wrong_language": 0.03},
    "extraction": {"format_error": 0.11, "hallucination": 0.035, "refusal": 0.025},
}
SYSTEM_ERROR_RATE = 0.012
#: model B is wordier and more cautious, but better at JSON
MODEL_FACTOR = {"claude-3-5-haiku-20241022": {"length_verbosity": 1.8, "refusal": 1.6, "format_error": 0.6}}
#: prompt 1.3.0 (last two weeks): "be concise" works, the new JSON instructions backfire
LATE_FACTOR = {"format_error": 2.5, "length_verbosity": 0.35}
#: the model does not know the new feature: hallucination rate on the new topic
NEW_TOPIC_HALLUCINATION = {"support_qa": 0.30, "summarization": 0.25, "extraction": 0.10}
SYSTEM_PROMPTS = {
    "support_qa": "You are Orbit's support assistant. Answer using only the help-center articles provided.",
    "summarization": "Summarise the support chat in two or three sentences: the issue, what the agent did, the status.",
    "extraction": "Extract customer_name, email, company, account_id, product_area, priority, invoice_id and summary from the email. Reply with JSON only.",
}
CHANNELS, CHANNEL_P = ["web", "mobile", "slack"], [0.55, 0.25, 0.2]
PLANS, PLAN_P = ["free", "team", "business", "enterprise"], [0.3, 0.35, 0.25, 0.1]
LOCALES, LOCALE_P = ["en-US", "en-GB", "en-IE", "en-AU", "en-CA"], [0.55, 0.2, 0.08, 0.09, 0.08]
HOUR_W = np.array([1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 9, 10, 11, 11, 10, 8, 6, 5, 4, 3, 2, 1], float)


def failure_rates(task: str, model: str, late: bool, topic: str) -> dict[str, float]:
    """Probability of each planted failure mode for one trace (``tool_error`` included)."""
    rates = dict(BASE_RATES[task])
    for mode, f in MODEL_FACTOR.get(model, {}).items():
        if mode in rates:
            rates[mode] *= f
    if late:
        for mode, f in LATE_FACTOR.items():
            if mode in rates:
                rates[mode] *= f
    if topic == NEW_TOPIC:
        rates["hallucination"] = NEW_TOPIC_HALLUCINATION[task]
    rates["tool_error"] = SYSTEM_ERROR_RATE
    return rates


def _hex(rng: np.random.Generator, nbytes: int) -> str:
    return rng.bytes(nbytes).hex()


def _users(rng, n_users: int) -> list[dict]:
    users = []
    for _ in range(n_users):
        users.append({
            "user_id": "u_" + _hex(rng, 4), "plan": pick(rng, PLANS, PLAN_P),
            "channel": pick(rng, CHANNELS, CHANNEL_P), "locale": pick(rng, LOCALES, LOCALE_P),
            "activity": float(rng.pareto(1.5)) + 0.3,
        })
    return users


def _sessions(rng, n: int, users: list[dict]) -> list[dict]:
    """Skeleton rows (session, user, time offset in ms, task) for exactly ``n`` traces."""
    act = np.array([u["activity"] for u in users])
    act = act / act.sum()
    days = np.arange(DAYS)
    day_w = np.where(days % 7 < 5, 1.0, 0.45) * (1 + 0.004 * days)
    day_w = day_w / day_w.sum()
    hour_w = HOUR_W / HOUR_W.sum()
    rows: list[dict] = []
    while len(rows) < n:
        user = users[int(rng.choice(len(users), p=act))]
        size = int(rng.choice(6, p=[0.4, 0.25, 0.15, 0.1, 0.06, 0.04])) + 1
        t = int(rng.choice(DAYS, p=day_w)) * MS_DAY + int(rng.choice(24, p=hour_w)) * 3_600_000
        t += int(rng.integers(3_600_000))
        task = pick(rng, TASK_IDS, list(TASKS.values()))
        sid = "sess_" + _hex(rng, 6)
        for k in range(size):
            if k:
                t += int(rng.integers(20_000, 360_000))
                if rng.random() < 0.2:
                    task = pick(rng, TASK_IDS, list(TASKS.values()))
            if len(rows) >= n or t >= DAYS * MS_DAY:
                break
            rows.append({"session_id": sid, "user": user, "t": t, "task": task, "seq": len(rows)})
    rows.sort(key=lambda r: (r["t"], r["seq"]))
    # position in session: the last trace of a session is where users abandon
    last: dict[str, int] = {}
    for i, r in enumerate(rows):
        last[r["session_id"]] = i
    for i, r in enumerate(rows):
        r["last_in_session"] = last[r["session_id"]] == i
    return rows


def _topic(rng, late: bool) -> str:
    names = list(TOPIC_WEIGHTS)
    w = np.array([TOPIC_WEIGHTS[k] for k in names])
    w = w / w.sum()
    if late:
        names = [*names, NEW_TOPIC]
        w = np.append(w * (1 - NEW_TOPIC_SHARE), NEW_TOPIC_SHARE)
    return pick(rng, names, w)


def assign_modes(rng, skeleton: list[dict]) -> None:
    """Set ``mode`` on every row by stratified sampling within groups of equal failure rates.

    Rows with the same (task, model, window, new-topic) share a rate vector; within a group,
    a random permutation and evenly spaced quantiles give each mode ``round(rate * n)``
    rows (within one), so the planted fractions hold exactly, not just on average.
    """
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(skeleton):
        groups.setdefault((r["task"], r["model"], r["late"], r["topic"] == NEW_TOPIC), []).append(i)
    for key in sorted(groups):
        members = groups[key]
        rates = failure_rates(key[0], key[1], key[2], NEW_TOPIC if key[3] else "")
        modes = list(rates)
        cum = np.cumsum([rates[m] for m in modes])
        order = rng.permutation(len(members))
        offset = rng.random()
        for rank, j in enumerate(order):
            u = (rank + offset) / len(members)
            k = int(np.searchsorted(cum, u, side="right"))
            skeleton[members[int(j)]]["mode"] = modes[k] if k < len(modes) else "none"


def simulate(rng: np.random.Generator, n: int, start: datetime) -> tuple[list[dict], list[dict]]:
    """Internal trace records (with planted truth) and span rows."""
    users = _users(rng, max(3, round(n / 6)))
    rows = _sessions(rng, n, users)
    for r in rows:
        r["day"] = r["t"] // MS_DAY
        r["late"] = r["day"] >= DRIFT_DAY
        r["topic"] = _topic(rng, r["late"])
        r["intent_idx"] = int(rng.integers(len(TOPICS[r["topic"]]["intents"])))
        r["model"] = pick(rng, MODEL_IDS, [MODELS[m]["share"] for m in MODEL_IDS])
    assign_modes(rng, rows)
    traces, spans = [], []
    for r in rows:
        day, late, task, user, topic, model, mode = (r[k] for k in ("day", "late", "task", "user", "topic", "model", "mode"))
        intents = TOPICS[topic]["intents"]
        intent_idx = r["intent_idx"]
        slots = _texts.draw_slots(rng)
        if task == "support_qa":
            tx = _texts.support_qa(rng, topic, intents[intent_idx], mode, late, slots)
        elif task == "summarization":
            tx = _texts.summarization(rng, topic, intents[intent_idx], mode, late, slots)
        else:
            tx = _texts.extraction(rng, topic, intents[intent_idx], mode, late, slots)
        rec = {
            "trace_id": _hex(rng, 16), "session_id": r["session_id"], "user_id": user["user_id"],
            "t": r["t"], "ts": start + timedelta(milliseconds=r["t"]), "week": int(day // 7) + 1,
            "late": late, "task": task, "topic": topic, "intent": f"{topic}.{intent_idx}", "model": model,
            "prompt_version": PROMPT_AFTER if late else PROMPT_BEFORE, "mode": mode, "user": user,
            "last_in_session": r["last_in_session"], "golden": mode != "tool_error" and rng.random() < 0.075,
            "app_version": [v for d, v in APP_VERSIONS if day >= d][-1], **tx,
        }
        spans.extend(_span_tree(rng, rec))
        traces.append(rec)
    return traces, spans


def _span_tree(rng, rec: dict) -> list[dict]:
    """Root chain span, a retriever/tool span and the LLM span; fills tokens, latency and cost on ``rec``."""
    m = MODELS[rec["model"]]
    err = rec["mode"] == "tool_error"
    system = SYSTEM_PROMPTS[rec["task"]]
    ctx_chars = int(rng.integers(1600, 2600)) if rec["task"] == "support_qa" else 0
    in_tok = (len(system) + ctx_chars + len(rec["input"])) // 4 + int(rng.integers(-15, 16))
    out_tok = 0 if err else max(1, len(rec["output"]) // 4 + int(rng.integers(-4, 5)))
    if err:
        llm_ms = 30_000 if rec["detail"].startswith("timeout") else int(rng.integers(150, 900))
    else:
        llm_ms = m["base"] + out_tok * m["ms_tok"] + int(rng.integers(0, 500))
    pre_ms = int(rng.integers(40, 180))
    t0 = rec["ts"]
    pre_start = t0 + timedelta(milliseconds=int(rng.integers(3, 12)))
    pre_end = pre_start + timedelta(milliseconds=pre_ms)
    llm_start = pre_end + timedelta(milliseconds=int(rng.integers(2, 10)))
    llm_end = llm_start + timedelta(milliseconds=llm_ms)
    end = llm_end + timedelta(milliseconds=int(rng.integers(8, 60)))
    rec.update(input_tokens=in_tok, output_tokens=out_tok, latency_ms=float((end - t0) // timedelta(milliseconds=1)),
               cost=round(in_tok * m["in"] + out_tok * m["out"], 8), status="error" if err else "ok", end=end)
    root_id, pre_id, llm_id = (_hex(rng, 8) for _ in range(3))
    rec["llm_span_id"] = llm_id
    if rec["task"] == "extraction":
        pre = {"kind": "tool", "name": "parse_email", "input": None,
               "output": json.dumps({"chars": len(rec["input"])}), "attributes": {"tool.name": "parse_email"}}
    else:
        k = 4 if rec["task"] == "support_qa" else 1
        docs = [f"kb/{rec['topic']}/{(int(rec['intent'].split('.')[1]) + j) % 3}" for j in range(k)]
        pre = {"kind": "retriever", "name": "retrieve_docs" if k > 1 else "load_transcript",
               "input": rec["input"] if k > 1 else None, "output": json.dumps(docs), "attributes": {"retrieval.top_k": k}}
    common = {"trace_id": rec["trace_id"], "model": None, "input_tokens": None, "output_tokens": None}
    llm_attrs = {"llm.temperature": 0.2, "prompt.name": f"orbit-{rec['task']}", "prompt.version": rec["prompt_version"]}
    if err:
        llm_attrs["error.message"] = rec["detail"]
    messages = [{"role": "system", "content": system}, {"role": "user", "content": rec["input"]}]
    return [
        {**common, "span_id": root_id, "parent_id": None, "kind": "chain", "name": "orbit-assistant",
         "start": t0, "end": end, "input": None, "output": None, "status": rec["status"],
         "attributes": {"session.id": rec["session_id"], "user.id": rec["user_id"], "task": rec["task"]}},
        {**common, **pre, "span_id": pre_id, "parent_id": root_id, "start": pre_start, "end": pre_end, "status": "ok"},
        {**common, "span_id": llm_id, "parent_id": root_id, "kind": "llm", "name": "chat_completion",
         "start": llm_start, "end": llm_end, "model": rec["model"], "input": json.dumps(messages, ensure_ascii=False),
         "output": rec["output"], "input_tokens": in_tok, "output_tokens": out_tok, "status": rec["status"],
         "attributes": llm_attrs},
    ]

"""Text builders for the three tasks, with the planted failure modes applied.

Each builder returns a dict with ``input``, ``output`` (``None`` for a system
error), ``reference`` (the correct output, used for the golden subset and for
user edits) and the failure ``detail`` / ``json_issue`` / ``lang`` used by comments.
"""

from __future__ import annotations

import json

import numpy as np

from feedback_lab.sample_data import _phrases as P
from feedback_lab.sample_data._topics_b import TOPICS

FOREIGN_LANGS = ["Spanish", "German", "French", "Portuguese"]
FOREIGN_P = [0.4, 0.3, 0.15, 0.15]
JSON_ISSUES = {
    "truncated": "truncated mid-object",
    "trailing_comma": "trailing comma before the closing brace",
    "single_quotes": "single quotes and Python None instead of JSON",
    "markdown_prose": "JSON wrapped in a markdown fence with extra prose",
    "unquoted_keys": "unquoted keys",
    "comments": "comments inside the JSON",
    "missing_brace": "missing closing brace",
}
JSON_P_EARLY = [0.22, 0.18, 0.15, 0.15, 0.1, 0.1, 0.1]
JSON_P_LATE = [0.25, 0.06, 0.06, 0.45, 0.06, 0.06, 0.06]
ERRORS = ["timeout after 30 s from the model provider", "HTTP 429 rate limit from the model provider",
          "HTTP 503 upstream unavailable", "context length exceeded"]


def pick(rng: np.random.Generator, seq, p=None):
    """One element of ``seq`` (a list), drawn with ``rng``."""
    if p is None:
        return seq[int(rng.integers(len(seq)))]
    return seq[int(rng.choice(len(seq), p=p))]


def draw_slots(rng: np.random.Generator) -> dict:
    """Slot values for one trace (the same values fill the question and the answers)."""
    s = {k: pick(rng, v) for k, v in P.SLOTS.items()}
    first, last = pick(rng, P.FIRST), pick(rng, P.LAST)
    company = pick(rng, P.COMPANIES)
    domain = company.lower().replace(" & ", "").replace(" ", "")
    s.update(
        name=f"{first} {last}", first=first, company=company, dept=pick(rng, P.DEPTS),
        email=f"{first.lower()}.{last.lower()}@{domain}.example",
        task_no=int(rng.integers(100, 9999)), invoice_no=f"INV-2026-{int(rng.integers(1000, 9999))}",
        account_id=f"ACC-{int(rng.integers(10000, 99999))}",
    )
    return s


def _fill(template: str, slots: dict) -> str:
    return template.format_map(slots)


def _question(rng, intent, slots) -> str:
    q = _fill(pick(rng, intent["q"]), slots)
    prefix = pick(rng, P.Q_PREFIX)
    if prefix.endswith(", ") and not q.startswith(("I ", "I'")):
        q = q[0].lower() + q[1:]
    q = prefix + q + _fill(pick(rng, P.Q_CONTEXT), slots) + pick(rng, P.Q_SUFFIX)
    if rng.random() < 0.15:  # casual typing
        q = q[0].lower() + q[1:].replace("?", "")
    return q


def _topic_phrase(rng, topic: str) -> str:
    return pick(rng, TOPICS[topic]["phrases"])


def _foreign(rng, topic, pool, **extra) -> tuple[str, str]:
    lang = pick(rng, FOREIGN_LANGS, FOREIGN_P)
    t = TOPICS[topic]
    return _fill(pick(rng, pool[lang]), {"t": t[P.LANG_CODE[lang]], "menu": t["menu"], **extra}), lang


def _verbose(rng, core: str, other: str, concise: bool) -> tuple[str, int]:
    k = int(rng.integers(3, 6)) if concise else int(rng.integers(4, 8))
    idx = rng.permutation(len(P.FILLER))[:k]
    fill = [P.FILLER[i] for i in idx]
    half = len(fill) // 2
    paras = [" ".join(fill[:half]), core, " ".join(fill[half:]), pick(rng, P.RECAP) + other]
    return "\n\n".join(paras), len(paras)


def support_qa(rng, topic, intent, mode, concise, slots) -> dict:
    """Customer-support question and answer."""
    q = _question(rng, intent, slots)
    answers = [_fill(a, slots) for a in intent["a"]]
    j = int(rng.integers(len(answers)))
    core = answers[j]
    p_wrap = 0.25 if concise else 0.75
    opener = pick(rng, P.A_OPEN) if rng.random() < p_wrap else ""
    closer = pick(rng, P.A_CLOSE) if rng.random() < p_wrap else ""
    if rng.random() < 0.5:
        core += _fill(pick(rng, P.A_EXTRA), slots)
    out = {"input": q, "reference": _fill(intent["ref"], slots), "correct": opener + core + closer}
    if mode == "none":
        out["output"] = out["correct"]
    elif mode in ("hallucination", "outdated_information"):
        text, detail = pick(rng, intent["hal" if mode == "hallucination" else "old"])
        out["output"] = opener + _fill(text, slots) + closer
        out["detail"] = _fill(detail, slots)
    elif mode == "refusal":
        out["output"] = _fill(pick(rng, P.REFUSALS), {"topic": _topic_phrase(rng, topic)})
    elif mode == "length_verbosity":
        body, n = _verbose(rng, core, answers[1 - j], concise)
        out["output"] = opener + body + closer
        out["n"] = n
    elif mode == "wrong_language":
        out["output"], out["lang"] = _foreign(rng, topic, P.FOREIGN_ANSWERS)
    elif mode == "tool_error":
        out["output"], out["detail"] = None, pick(rng, ERRORS)
    else:  # pragma: no cover - guarded by the failure tables
        raise ValueError(f"support_qa has no failure mode {mode!r}")
    return out


def _email(rng, intent, slots, urgency: str) -> tuple[str, bool, bool]:
    q = _fill(pick(rng, intent["q"]), slots) + _fill(pick(rng, P.Q_CONTEXT), slots)
    subject = pick(rng, ["Question about Orbit", "Help needed", "Re: " + _fill(intent["gist"], slots),
                         "Orbit support request", "Issue with our workspace", _fill(intent["gist"], slots).capitalize()])
    has_acc, has_inv = rng.random() < 0.6, rng.random() < 0.3
    extra = ""
    if has_acc:
        extra += f"\n\nAccount ID: {slots['account_id']}"
    if has_inv:
        extra += ("\n" if has_acc else "\n\n") + f"Related invoice: {slots['invoice_no']}"
    body = (f"From: {slots['name']} <{slots['email']}>\nSubject: {subject}\n\n"
            f"{pick(rng, ['Hi Orbit team,', 'Hello,', 'Dear support,', 'Hey,', 'Good afternoon,'])}\n\n"
            f"{q}{urgency}{extra}\n\n{pick(rng, ['Best,', 'Thanks,', 'Regards,', 'Cheers,', 'Kind regards,'])}\n"
            f"{slots['name']}\n{slots['company']}")
    return body, has_acc, has_inv


URGENCY = [("", "normal"), ("", "normal"), (" No rush.", "low"), (" This is a bit urgent.", "high"),
           (" This is blocking our whole team, please help ASAP.", "urgent")]


def _broken(rng, record: dict, late: bool) -> tuple[str, str]:
    kind = pick(rng, list(JSON_ISSUES), JSON_P_LATE if late else JSON_P_EARLY)
    pretty = json.dumps(record, indent=2, ensure_ascii=False)
    compact = json.dumps(record, ensure_ascii=False)
    if kind == "truncated":
        cut = int(len(pretty) * (0.4 + 0.45 * rng.random()))
        text = pretty[:cut]
    elif kind == "trailing_comma":
        text = compact[:-1] + ", }"
    elif kind == "single_quotes":
        text = repr(record)
    elif kind == "markdown_prose":
        note = pick(rng, ["Note: the priority was inferred from the tone of the email.",
                          "I was not fully sure about the account ID, please double-check it.",
                          "Let me know if you need any other fields."])
        text = f"{pick(rng, ['Here is the extracted data:', 'Sure! Here is the JSON:', 'Extracted fields:'])}\n\n```json\n{pretty}\n```\n\n{note}"
    elif kind == "unquoted_keys":
        text = "{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in record.items()) + "}"
    elif kind == "comments":
        lines = pretty.split("\n")
        i = int(rng.integers(1, len(lines) - 1))
        lines[i] += "  // inferred"
        text = "\n".join(lines)
    else:
        text = pretty.rstrip("}").rstrip()
    return text, JSON_ISSUES[kind]


def extraction(rng, topic, intent, mode, late, slots) -> dict:
    """JSON data extraction from a customer email."""
    urgency, priority = pick(rng, URGENCY)
    email, has_acc, has_inv = _email(rng, intent, slots, urgency)
    record = {
        "customer_name": slots["name"], "email": slots["email"], "company": slots["company"],
        "account_id": slots["account_id"] if has_acc else None, "product_area": topic,
        "priority": priority, "invoice_id": slots["invoice_no"] if has_inv else None,
        "summary": _fill(intent["gist"], slots),
    }
    if late:  # prompt 1.3.0 asks for the message language too
        record["language"] = "en"
    canonical = json.dumps(record, ensure_ascii=False)
    pretty = rng.random() < 0.5
    correct = json.dumps(record, indent=2, ensure_ascii=False) if pretty else canonical
    out = {"input": email, "reference": canonical, "correct": correct}
    if mode == "none":
        out["output"] = correct
    elif mode == "format_error":
        out["output"], out["json_issue"] = _broken(rng, record, late)
    elif mode == "hallucination":
        bad = dict(record)
        what = pick(rng, ["invoice", "account", "name"])
        if what == "invoice" and not has_inv:
            bad["invoice_id"] = f"INV-2026-{int(rng.integers(1000, 9999))}"
            detail = f"invented invoice number {bad['invoice_id']} that is not in the email"
        elif what == "account" or what == "invoice":
            bad["account_id"] = f"ACC-{int(rng.integers(10000, 99999))}"
            detail = f"returned account ID {bad['account_id']} which does not appear in the email"
        else:
            bad["customer_name"] = f"{pick(rng, P.FIRST)} {slots['name'].split()[1]}"
            detail = f"changed the customer's name to {bad['customer_name']}"
        out["output"] = json.dumps(bad, indent=2 if pretty else None, ensure_ascii=False)
        out["detail"] = detail
    elif mode == "refusal":
        out["output"] = pick(rng, P.EXTRACT_REFUSALS)
    elif mode == "tool_error":
        out["output"], out["detail"] = None, pick(rng, ERRORS)
    else:  # pragma: no cover
        raise ValueError(f"extraction has no failure mode {mode!r}")
    return out


def summarization(rng, topic, intent, mode, concise, slots) -> dict:
    """Summary of a support chat transcript."""
    resolved = rng.random() < 0.75
    reply = pick(rng, [f"It's the {slots['company']} workspace.", "Yes, I'm an admin.", f"We're on {slots['plan']}.",
                       f"Since {slots['weekday']}.", "Web app, in Chrome.", "Mostly on my phone."])
    lines = [f"Chat transcript - customer: {slots['name']} ({slots['company']})",
             f"Customer: {_question(rng, intent, slots)}", f"Agent: {pick(rng, P.AGENT_CLARIFY)}",
             f"Customer: {reply}", f"Agent: {_fill(pick(rng, intent['a']), slots)}"]
    if resolved:
        lines.append(f"Customer: {pick(rng, P.CUSTOMER_THANKS)}")
    else:
        lines += [f"Customer: {pick(rng, P.CUSTOMER_ESCALATE)}", f"Agent: {pick(rng, P.AGENT_ESCALATE)}"]
    gist, fix = _fill(intent["gist"], slots), _fill(intent["fix"], slots)
    status = pick(rng, P.STATUS_RESOLVED if resolved else P.STATUS_ESCALATED)
    who = pick(rng, ["The customer", slots["name"], f"{slots['name']} from {slots['company']}"])
    correct = _fill(pick(rng, P.SUMMARY_TEMPLATES), {"who": who, "gist": gist, "fix": fix, "status": status})
    ref = f"{slots['name']} from {slots['company']} asked about {gist}; the agent {fix}. " + (
        "Resolved." if resolved else "Escalated to second-level support.")
    out = {"input": "\n".join(lines), "reference": ref, "correct": correct}
    if mode == "none":
        out["output"] = correct
    elif mode == "hallucination":
        event, detail = pick(rng, P.INVENTED_EVENTS)
        parts = correct.split(". ")
        parts.insert(int(rng.integers(1, len(parts) + 1)), event.rstrip("."))
        text = ". ".join(parts).replace("..", ".")
        out["output"] = text if text.endswith(".") else text + "."
        out["detail"] = detail
    elif mode == "length_verbosity":
        story = (f"The conversation began when {slots['name']} from {slots['company']} reached out to support. "
                 f"They explained that they needed help with {gist}. The agent first asked a clarifying question, "
                 f"and the customer replied: \"{reply}\" After that, the agent {fix}. "
                 + ("The customer then thanked the agent." if resolved else "The customer was not satisfied and asked for escalation."))
        body, n = _verbose(rng, story, correct, concise)
        out["output"], out["n"] = body, n
    elif mode == "wrong_language":
        st = P.FOREIGN_STATUS
        out["output"], out["lang"] = _foreign(rng, topic, P.FOREIGN_SUMMARIES, name=slots["name"], status="{status}")
        out["output"] = out["output"].replace("{status}", st[out["lang"]][0 if resolved else 1])
    elif mode == "refusal":
        out["output"] = _fill(pick(rng, P.SUMMARY_REFUSALS), {"topic": _topic_phrase(rng, topic)})
    elif mode == "tool_error":
        out["output"], out["detail"] = None, pick(rng, ERRORS)
    else:  # pragma: no cover
        raise ValueError(f"summarization has no failure mode {mode!r}")
    return out

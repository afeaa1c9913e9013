"""Free-text comments: reviewer notes (open codes), end-user comments and judge rationales.

Every failure mode has many phrasings, and most mention the product topic as well
as the failure, so that a topic and a failure mode are not the same thing in
embedding space. Slots: ``{topic}`` (a topic phrase), ``{detail}`` (what was wrong),
``{lang}``, ``{json_issue}``, ``{n}``.
"""

from __future__ import annotations

REVIEWER = {
    "hallucination": [
        "Hallucination: {detail} ({topic}).",
        "The answer {detail}. That is made up, nothing in our docs says so.",
        "made-up facts on a {topic} question: {detail}",
        "Fabricated policy. It {detail}.",
        "Not grounded in the retrieved docs: {detail}.",
        "Confidently wrong about {topic}: it {detail}.",
        "Invented information. The response {detail}, which is false.",
        "hallucinated details re {topic} - {detail}",
        "Factually incorrect: {detail}. The source article says otherwise.",
        "Unsupported claim about {topic}; {detail}.",
    ],
    "refusal": [
        "Refused a normal {topic} question for no reason.",
        "Unnecessary refusal; the user only asked about {topic}.",
        "model declined to answer, this is a standard {topic} request",
        "Won't help with {topic} even though it is clearly in scope.",
        "Over-cautious refusal citing policy on a harmless {topic} question.",
        "Refusal. Nothing sensitive here, it should have answered about {topic}.",
        "Said it can't help. Bad refusal for a simple {topic} question.",
        "declined the task ({topic}), no safety reason to refuse",
    ],
    "format_error": [
        "Output is not valid JSON ({json_issue}).",
        "JSON parse fails: {json_issue}. Email was about {topic}.",
        "broken json - {json_issue}",
        "Format error: {json_issue}; the downstream parser rejects it.",
        "Invalid JSON output ({json_issue}) for a {topic} ticket.",
        "Not machine-readable: {json_issue}.",
        "Schema violation, {json_issue}, extraction unusable.",
    ],
    "length_verbosity": [
        "Way too long for a simple {topic} question, the answer is buried in filler.",
        "Verbose: about {n} paragraphs where two sentences would do.",
        "rambles and repeats itself, user has to scroll to find the {topic} steps",
        "Overlong and padded with generic advice; the {topic} answer is only one line of it.",
        "Too wordy. Correct content on {topic} but {n}x longer than needed.",
        "Length problem: repeats the same {topic} instructions twice plus filler.",
        "Needs to be concise; generic filler paragraphs around a simple {topic} answer.",
    ],
    "wrong_language": [
        "Replied in {lang} although the user wrote in English.",
        "Wrong language ({lang}) on a {topic} question.",
        "answer is in {lang}?? customer wrote in english",
        "Language mismatch: English input, {lang} output ({topic}).",
        "Content about {topic} may be fine but it is in {lang}, unusable for this user.",
        "Switched to {lang} for no reason.",
    ],
    "outdated_information": [
        "Outdated: {detail}.",
        "Uses old product info on {topic}: {detail}.",
        "Stale docs: {detail}; that changed this year.",
        "References a retired UI ({detail}).",
        "Out of date for {topic}. It {detail}.",
        "old instructions - {detail}",
        "This was true last year but not anymore: {detail}.",
    ],
    "tool_error": [
        "No output at all, the request failed.",
        "Empty response ({detail}).",
        "Tool/system error: {detail}, nothing to review.",
        "Failed run, {detail}.",
    ],
    "none": [
        "Correct and concise.", "Fine.", "Good answer, matches the docs.", "ok", "Accurate.",
        "Correct, slightly wordy but acceptable.", "Looks right.", "Helpful and grounded.",
    ],
}

USER = {
    "hallucination": [
        "that's not true, I checked the docs", "This is wrong. {topic} doesn't work like that.", "made up answer",
        "The bot invented a policy that doesn't exist", "wrong info about {topic}", "Where did it get that from? Not correct.",
        "it told me something about {topic} that support says is false", "completely wrong facts",
    ],
    "refusal": [
        "why won't it answer??", "It refused to help me with {topic}", "useless, says it can't help",
        "I asked a simple question about {topic} and it said it couldn't assist", "stop refusing everything",
        "it won't even try", "refused for no reason",
    ],
    "format_error": [
        "output broke our parser again", "not valid json", "the extraction came back with extra text around the JSON",
        "JSON cut off halfway", "can't import this, bad format", "invalid output format",
    ],
    "length_verbosity": [
        "too long, just tell me the steps", "tl;dr", "I only needed one sentence", "way too wordy",
        "so much text for a simple {topic} question", "please be shorter",
    ],
    "wrong_language": [
        "why is this in {lang}?", "I don't speak {lang}", "answer in english please", "wrong language",
        "it replied in {lang} to my English question",
    ],
    "outdated_information": [
        "that menu doesn't exist anymore", "these instructions are for the old version", "outdated, the screen looks different now",
        "there is no such option in {topic} anymore", "old info",
    ],
    "tool_error": ["nothing happened", "it just spins and fails", "error again", "no answer came back"],
    "none_negative": ["not what I asked", "too slow", "meh", "didn't solve my problem", "not helpful", "hmm no"],
    "positive": ["perfect, thanks!", "super helpful", "exactly what I needed", "quick and correct", "great", "saved me time"],
}

JUDGE_FAIL = {
    "hallucination": ["The response contains claims that are not supported by the reference documentation: it {detail}.",
                      "Unsupported factual claim detected ({detail})."],
    "refusal": ["The assistant refused a benign, in-scope request.", "The response declines to answer without a valid reason."],
    "format_error": ["The output is not valid JSON ({json_issue}).", "Output does not follow the required JSON schema: {json_issue}."],
    "length_verbosity": ["The response is excessively long and repetitive for the question asked.",
                  "Answer is correct in substance but far too verbose."],
    "wrong_language": ["The response is written in {lang} while the user wrote in English."],
    "outdated_information": ["The response refers to product features or menus that appear outdated: it {detail}."],
    "tool_error": ["No response was produced."],
    "none": ["The response may be incomplete or not fully grounded in the context.",
             "The answer does not fully address the user's question."],
}
JUDGE_PASS = ["The response addresses the question accurately and concisely.",
              "The answer is relevant, grounded and follows the instructions.",
              "Correct and helpful; no issues found.",
              "The response is accurate and in the expected format."]

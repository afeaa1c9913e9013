"""Planted failure-mode comments: reviewer notes that mention a product topic AND a failure.

Used by the clustering tests and ``bench/bench_cluster.py`` to measure how well error-mode
tags and clusters follow the failure mode rather than the topic. The phrasings here were
written independently of the exemplars in ``feedback_lab.analysis.cluster._modes`` (no
sentence is shared) so that the measurement is not a lookup of the taxonomy's own text.
"""

from __future__ import annotations

import numpy as np

TOPICS = [
    "the refund request", "my invoice", "shipping to Canada", "the password reset", "our enterprise plan",
    "the flight change", "a car insurance claim", "the W-2 tax form", "a vegan lasagna recipe",
    "the REST API pagination", "booking a dentist appointment", "the hotel cancellation",
    "mortgage rates", "the return label", "two-factor login", "the loyalty points balance",
    "warranty coverage", "the gift card", "exporting a CSV report", "the shared calendar",
]

TEMPLATES: dict[str, list[str]] = {
    "hallucination": [
        "Asked about {t} and it invented a policy that does not exist.",
        "The answer on {t} cites a help article that isn't real.",
        "For {t} the bot quoted a fake phone number and made-up fees.",
        "It fabricated details about {t}, none of that is in our docs.",
        "{t}: confidently stated facts that are simply false.",
        "Made-up numbers in the reply about {t}.",
        "Reviewer note: hallucinated a section of the terms regarding {t}.",
        "The assistant referenced a feature for {t} we never shipped.",
        "Completely invented steps for {t}, nothing like the real process.",
        "It claimed {t} is free this month, which is not true at all.",
        "Nonexistent URL given as the source for {t}.",
        "Fake citation in the {t} answer.",
    ],
    "refusal": [
        "It refused to help with {t}.",
        "Bot said it cannot assist with {t} even though it's a normal request.",
        "Declined to answer my question about {t}, said it was against policy.",
        "{t}: the model just said 'I'm sorry, I can't help with that'.",
        "Wouldn't even discuss {t}, overly cautious.",
        "Reviewer note: unnecessary refusal on a harmless {t} question.",
        "It told me it is not able to provide information on {t}.",
        "Asked about {t} and got a safety refusal instead of an answer.",
        "The assistant won't touch {t} questions anymore.",
        "Said 'as an AI I can't do that' when I asked about {t}.",
        "Rejected a totally benign request regarding {t}.",
        "No answer on {t}, just a polite decline.",
    ],
    "format_error": [
        "Asked for JSON about {t} and the output doesn't parse.",
        "The {t} response broke the schema, missing required fields.",
        "Malformed JSON in the {t} answer, trailing comma everywhere.",
        "{t}: we asked for a table and got an unformatted blob.",
        "Output for {t} ignored the requested bullet-list format.",
        "Reviewer note: the YAML for {t} is invalid.",
        "The CSV it produced for {t} has the wrong number of columns.",
        "Markdown is broken in the {t} reply, code fences never closed.",
        "It wrapped the {t} JSON in prose so our parser failed.",
        "Wrong structure for {t}: keys renamed and nesting is off.",
        "Invalid JSON again when summarising {t}.",
        "The {t} answer did not follow the output template at all.",
    ],
    "length_verbosity": [
        "Way too long for a simple question about {t}.",
        "The {t} answer rambles on for ten paragraphs.",
        "{t}: wall of text, I just needed one line.",
        "Overly verbose reply about {t}, full of filler.",
        "Reviewer note: {t} response is far too wordy.",
        "It gave a one-word answer on {t}, much too short to be useful.",
        "Long-winded explanation of {t} that repeats itself.",
        "The reply on {t} could have been two sentences instead of an essay.",
        "Too terse about {t}, no detail at all.",
        "Endless preamble before getting to {t}.",
        "Padding and repetition all over the {t} answer.",
        "The {t} response is excessively lengthy.",
    ],
    "wrong_language": [
        "I asked about {t} in English and it answered in Spanish.",
        "The {t} reply came back in French for no reason.",
        "{t}: the customer wrote in German but got an English answer.",
        "Responded in Portuguese to an English question about {t}.",
        "Reviewer note: wrong language in the {t} answer.",
        "It switched to Italian halfway through the {t} explanation.",
        "User asked in Japanese about {t}, bot replied in English.",
        "The answer about {t} was in Dutch, the user does not speak Dutch.",
        "Language mismatch on {t}: question Spanish, answer English.",
        "Replied in a different language than the one used for {t}.",
        "The {t} message was translated into Chinese unprompted.",
        "Mixed English and Russian in the {t} reply.",
    ],
    "outdated_information": [
        "The info about {t} is outdated, that changed last year.",
        "It described the old process for {t}.",
        "{t}: quoted 2021 prices, those are long gone.",
        "Stale answer on {t}, refers to a discontinued option.",
        "Reviewer note: {t} answer based on an obsolete version of the policy.",
        "Gave the previous terms for {t}, not the current ones.",
        "The {t} instructions are out of date since the redesign.",
        "Mentions a deprecated endpoint when explaining {t}.",
        "No longer accurate: the {t} rules were updated in March.",
        "It still thinks {t} works the way it did before the migration.",
        "Old screenshots and old menu names for {t}.",
        "The {t} answer reflects last season's offer, not today's.",
    ],
    "off_topic": [
        "Asked about {t} and it talked about something unrelated.",
        "The reply ignored my {t} question and went on a tangent.",
        "{t}: the answer is about a completely different subject.",
        "Irrelevant response, nothing to do with {t}.",
        "Reviewer note: off-topic answer to a {t} question.",
        "It answered a different question than the one about {t}.",
        "Instead of {t} it started recommending movies.",
        "Didn't address {t} at all, drifted into small talk.",
        "Changed the subject when the user asked about {t}.",
        "The {t} query got a response about the weather.",
        "Totally missed the point of the {t} question.",
        "Wandered off topic instead of explaining {t}.",
    ],
    "tool_error": [
        "The {t} lookup failed with an internal server error.",
        "Timeout when the bot tried to fetch {t}.",
        "{t}: the tool call crashed and we got a stack trace.",
        "The search tool returned a 500 while checking {t}.",
        "Reviewer note: function call for {t} threw an exception.",
        "Got 'something went wrong' instead of the {t} answer.",
        "The API integration broke when querying {t}.",
        "Empty response for {t}, the backend errored out.",
        "Database connection error while retrieving {t}.",
        "The {t} request timed out after 30 seconds.",
        "Plugin failure: could not load {t} data.",
        "System error message shown to the user about {t}.",
    ],
}
MODES = list(TEMPLATES)

# Phrasings written after the taxonomy was tuned and never used to tune it: a harder, more
# indirect set that measures generalisation (see test_unseen_phrasings).
UNSEEN: dict[str, list[str]] = {
 "hallucination": ["bot told the customer {t} includes free upgrades, which we've never had",
   "the sources listed for {t} are bogus, couldn't find a single one",
   "answer about {t} contains a statistic with no basis whatsoever",
   "claimed our CEO announced changes to {t}. He didn't."],
 "refusal": ["Why does it say it can't talk about {t}? That's literally our product.",
   "agent bailed on {t} with a generic 'I can't do that'",
   "customer got stonewalled on {t}, no attempt to answer",
   "flagged {t} as sensitive and would not continue"],
 "format_error": ["{t}: response was supposed to be key/value pairs, came back as prose",
   "downstream job crashed parsing the {t} reply, not valid json",
   "the date fields in the {t} output use the wrong format",
   "{t} reply ignored the required headings"],
 "length_verbosity": ["{t} answer: 900 words for a question that needed 20",
   "reply on {t} was a single sentence fragment, unusable",
   "could not find the actual {t} answer buried in all that text",
   "customer complained the {t} reply was exhausting to read"],
 "wrong_language": ["{t} conversation is in Swedish but the bot answered in English",
   "user asked about {t} in Spanish; response came in English",
   "bot responded in Turkish to a question about {t}",
   "{t}: reply language does not match the user's"],
 "outdated_information": ["{t} answer uses pricing from two years ago",
   "bot refers to the {t} page we removed last spring",
   "the {t} phone number it gave changed in January",
   "instructions for {t} match an older app version"],
 "off_topic": ["{t} question answered with a recipe for pancakes",
   "bot started talking about football when asked about {t}",
   "response has zero relevance to {t}",
   "the {t} reply answers someone else's question apparently"],
 "tool_error": ["{t} flow died with 'upstream connect error'",
   "lookup for {t} returned a 404 from the internal service",
   "bot printed a raw traceback during {t}",
   "the payments tool was down so {t} never completed"],
}



def planted_comments(n_per_mode: int = 40, *, modes=None, topics=None, seed: int = 0, templates=None):
    """``(texts, modes, topics)``: ``n_per_mode`` comments per mode, topics and templates drawn at random."""
    rng = np.random.default_rng(seed)
    tpl_map = templates or TEMPLATES
    modes = list(modes or tpl_map)
    topics = list(topics or TOPICS)
    texts, labels, tlabels = [], [], []
    for mode in modes:
        tpls = tpl_map[mode]
        for i in range(n_per_mode):
            tpl = tpls[i % len(tpls)] if i < len(tpls) else tpls[int(rng.integers(len(tpls)))]
            topic = topics[int(rng.integers(len(topics)))]
            text = tpl.format(t=topic)
            texts.append(text[0].upper() + text[1:])
            labels.append(mode)
            tlabels.append(topic)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [labels[i] for i in order], [tlabels[i] for i in order]

"""The built-in error-mode taxonomy: names, descriptions, exemplar phrases and keyword cues.

Each :class:`ErrorMode` is matched three ways (see :func:`tag_error_modes`): by embedding
similarity of a text to the mode's description and exemplars, by keyword cues (regular
expressions, case-insensitive) and, for some modes, by exact detectors on the trace itself
(invalid JSON, refusal phrases, language mismatch, length outliers, error status).
Exemplars are deliberately topic-free, so that similarity follows the failure, not the product.
"""

from __future__ import annotations

import dataclasses
import re

from feedback_lab._validation import repeated

__all__ = ["DEFAULT_TAXONOMY", "ErrorMode", "check_taxonomy"]


@dataclasses.dataclass(frozen=True)
class ErrorMode:
    """One failure mode of an LLM application.

    Parameters
    ----------
    name : str
        Short identifier used as the tag (``"refusal"``).
    description : str
        One or two sentences saying what the failure looks like.
    examples : tuple of str
        Short, topic-free phrasings a reviewer or user might write about this failure.
    keywords : tuple of str
        Regular expressions (case-insensitive) whose presence in a text is evidence for the mode.

    Examples
    --------
    >>> m = ErrorMode("made_up_citation", "The answer cites a source that does not exist.",
    ...               examples=("cited a paper that doesn't exist",), keywords=(r"citation",))
    >>> m.name
    'made_up_citation'
    """

    name: str
    description: str
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            msg = f"ErrorMode.name must be a non-empty string, got {self.name!r}."
            raise ValueError(msg)
        object.__setattr__(self, "examples", tuple(self.examples))
        object.__setattr__(self, "keywords", tuple(self.keywords))
        for pat in self.keywords:
            try:
                re.compile(pat)
            except re.error as exc:
                msg = f"ErrorMode {self.name!r}: keyword {pat!r} is not a valid regular expression ({exc})."
                raise ValueError(msg) from exc

    def phrases(self) -> list[str]:
        """The description followed by the examples (what is embedded for similarity)."""
        return [self.description, *self.examples]


DEFAULT_TAXONOMY: tuple[ErrorMode, ...] = (
    ErrorMode(
        "hallucination",
        "Hallucination: the answer states made-up facts, invents sources, numbers, features or policies that do not exist.",
        examples=(
            "made things up", "invented information that is not true", "fabricated facts",
            "cited a source that does not exist", "fake reference", "hallucinated details",
            "made-up statistics", "claims something false with confidence",
            "mentions a product feature that isn't real", "invented a quote",
            "pulled numbers out of thin air", "we have no such policy", "there is no such law or rule",
            "named a person who never worked here", "promised a guarantee we never offered",
            "gave a wrong fact as if it were certain", "the link it gave leads nowhere",
        ),
        keywords=(r"hallucinat", r"\bmade[- ]?up\b", r"\bmake[s]? (?:stuff|things|it) up\b", r"\binvent",
                  r"fabricat", r"\bfake\b", r"\bnon-?existent\b", r"(?:does ?n[o']t|did ?n[o']t|do ?n[o']t) exist",
                  r"\bis ?n[o']t real\b", r"\bnot real\b", r"\bfalse\b", r"\buntrue\b", r"not true",
                  r"never (?:shipped|existed|offered|worked)", r"no such", r"thin air", r"citation", r"\bcites?\b"),
    ),
    ErrorMode(
        "refusal",
        "Refusal: the assistant declines, refuses or says it cannot help with a legitimate request.",
        examples=(
            "refused to answer", "declined the request", "said it can't help with that",
            "would not do it", "overly cautious safety refusal", "said this goes against its policy",
            "I'm sorry, but I cannot assist", "unwilling to respond", "blocked a harmless request",
            "said it is not allowed to talk about it", "said the request violates its guidelines",
            "told the user to ask someone else instead of answering", "said it is not permitted to answer",
            "shut the conversation down",
        ),
        keywords=(r"refus", r"declin", r"\bwo ?n[o']t\b", r"\bwould ?n[o']t\b", r"would not",
                  r"ca ?n[o']t (?:help|assist|do|provide)", r"cannot (?:help|assist|do|provide)",
                  r"not able to (?:help|assist|provide)", r"unable to (?:help|assist|provide)",
                  r"against (?:the |its |our )?polic", r"\bas an ai\b", r"over(?:ly)?[- ]cautious",
                  r"\bi'?m sorry\b", r"reject", r"not (?:allowed|permitted)", r"guidelines"),
    ),
    ErrorMode(
        "format_error",
        "Format error: the output does not follow the requested format, e.g. invalid JSON, broken schema, table, markdown or template.",
        examples=(
            "the JSON is invalid", "output does not parse", "wrong output format", "broke the schema",
            "missing required keys", "markdown is broken", "not formatted as a table",
            "did not follow the template", "malformed structured output",
            "unbalanced braces", "unquoted keys", "asked for a list and got a paragraph",
            "headings render as raw symbols", "the spreadsheet export is garbled", "our parser choked on the output",
        ),
        keywords=(r"\bjson\b", r"\byaml\b", r"\bxml\b", r"\bschema\b", r"\bformat",
                  r"malformed", r"\bpars(?:e|er|ing)\b", r"markdown", r"\btable\b", r"bullet",
                  r"template", r"code fences?", r"structure", r"syntax",
                  r"trailing comma", ),
    ),
    ErrorMode(
        "length_verbosity",
        "Length or verbosity: the answer is far too long, wordy and repetitive, or far too short and terse.",
        examples=(
            "way too long", "too verbose", "rambling answer", "a wall of text", "too wordy",
            "far too short", "too terse to be useful", "full of filler and repetition",
            "should have been one sentence", "wrote a novel when a yes or no was enough",
            "pages of scrolling to find the answer", "said the same thing five ways",
            "just replied ok and nothing else", "so much background, get to the point",
        ),
        keywords=(r"too (?:long|short|brief)", r"verbos", r"wordy", r"rambl", r"wall of text",
                  r"lengthy", r"long[- ]winded", r"\bterse\b", r"filler", r"padding", r"repetit",
                  r"repeats", r"\bessay\b", r"one[- ]word", r"preamble", r"concise", r"paragraphs"),
    ),
    ErrorMode(
        "wrong_language",
        "Wrong language: the reply is written in a different language from the user's, or mixes languages.",
        examples=(
            "answered in the wrong language", "replied in another language", "language mismatch",
            "user wrote in one language and got a reply in another", "switched languages mid-answer",
            "translated the answer unprompted", "the reply is not in the customer's language",
            "user wrote in English and the reply came in another language", "half of the reply is in a foreign language",
        ),
        keywords=(r"language", r"\benglish\b", r"\bspanish\b", r"\bfrench\b", r"\bgerman\b",
                  r"\bitalian\b", r"\bportuguese\b", r"\bdutch\b", r"\bchinese\b", r"\bjapanese\b",
                  r"\bkorean\b", r"\brussian\b", r"\barabic\b", r"\bhindi\b", r"\bpolish\b",
                  r"translat"),
    ),
    ErrorMode(
        "outdated_information",
        "Outdated information: the answer relies on old, stale or superseded information that is no longer current.",
        examples=(
            "information is out of date", "uses last year's data", "describes the old version",
            "refers to something discontinued", "no longer accurate", "obsolete instructions",
            "superseded policy", "stale data", "that price changed a while ago", "points to the legacy system that was shut down",
            "the guidance predates the new rules", "still promoting an expired offer", "based on the app before the update",
        ),
        keywords=(r"outdated", r"out[- ]of[- ]date", r"\bold\b", r"\bstale\b", r"obsolete",
                  r"deprecat", r"no longer", r"discontinued", r"last (?:year|season|month|quarter)",
                  r"previous (?:version|terms|policy|release)", r"superseded", r"legacy", r"predates", r"expired",
                  r"\bbefore the\b", r"used to"),
    ),
    ErrorMode(
        "off_topic",
        "Off-topic: the answer ignores the question, talks about something unrelated or answers a different question.",
        examples=(
            "ignored the question", "answer is unrelated", "went off on a tangent",
            "irrelevant response", "answered a different question", "changed the subject",
            "missed the point entirely", "explained a random science fact instead", "answered with a poem",
            "nothing in the answer relates to the question", "gave a history lesson instead of help",
            "listed unrelated products",
        ),
        keywords=(r"off[- ]topic", r"unrelated", r"irrelevant", r"tangent", r"ignor",
                  r"different (?:question|subject|topic)", r"changed the subject", r"nothing to do with",
                  r"missed the point", r"instead of (?:help|answer)", r"did ?n[o']t (?:address|answer)", r"wander", r"drift"),
    ),
    ErrorMode(
        "tool_error",
        "Tool or system error: a tool call, API, retrieval step or backend failed, timed out or returned an error.",
        examples=(
            "the tool call failed", "API returned an error", "request timed out", "server error 500",
            "an exception was thrown", "backend crashed", "retrieval step failed", "empty response due to an error",
            "HTTP 503 service unavailable", "null pointer", "the function returned NaN", "could not reach the service",
            "it spun forever and then died", "the integration went down",
        ),
        keywords=(r"\berror", r"time[ds]? ?out", r"crash", r"\b5\d\d\b", r"stack ?trace", r"exception",
                  r"tool", r"server", r"backend", r"function call", r"plugin", r"integration",
                  r"went wrong", r"connection", r"http \d{3}", r"unavailable", r"\bnull\b", r"\bnan\b", r"failed to", r"\bbroke\b"),
    ),
)


def check_taxonomy(taxonomy) -> tuple[ErrorMode, ...]:
    """Validate a user taxonomy (a sequence of :class:`ErrorMode` or a ``{name: description}`` dict)."""
    if taxonomy is None:
        return DEFAULT_TAXONOMY
    if isinstance(taxonomy, dict):
        taxonomy = [ErrorMode(str(k), str(v)) for k, v in taxonomy.items()]
    modes = tuple(taxonomy)
    if len(modes) < 1 or not all(isinstance(m, ErrorMode) for m in modes):
        msg = (
            "taxonomy must be a non-empty sequence of ErrorMode or a {name: description} dict; got "
            f"{[type(m).__name__ for m in modes]}. Example: [ErrorMode('refusal', 'The assistant refuses.')]."
        )
        raise TypeError(msg)
    dupes = repeated(m.name for m in modes)
    if dupes:
        msg = f"taxonomy has duplicate mode names {dupes}; each ErrorMode needs a unique name."
        raise ValueError(msg)
    return modes

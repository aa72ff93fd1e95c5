"""The shape of one language's module: the words and phrases the pipeline needs, and its replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: Kinds of relative date a question may name → (days back from "today", days spanned), in the order
#: they are tried. A named weekday ("on Monday") means the last seven days, as in news copy.
DATE_SPANS: dict[str, tuple[int, int]] = {
    "today": (0, 1),
    "yesterday": (1, 2),
    "last_week": (13, 14),
    "this_week": (7, 8),
    "weekday": (7, 8),
    "this_month": (31, 32),
    "this_year": (365, 366),
    # "last month", "last year": the previous period and the current one, as "last week" is, since
    # coverage of last month's events runs on into this one.
    "last_month": (61, 62),
    "last_year": (730, 731),
}

#: Days in one of each unit a numbered period counts in ("the past 3 days", "il y a deux semaines"):
#: hours are rounded up to whole days.
PERIOD_UNIT_DAYS: dict[str, float] = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}

#: The replies every language may define (``{placeholders}`` are filled by the caller); a missing one
#: falls back to English.
REPLY_KEYS = ("abstain", "out_of_window", "older_listed", "older_when", "undated", "example_question", "quoting",
              "older_answer", "quoted_original", "unmentioned", "unmentioned_closest", "no_amount",
              "lookup_unmatched", "other_when", "other_answer", "stale", "no_reason")


@dataclass(frozen=True)
class Language:
    """What the pipeline knows of one language. Regex fields are alternatives (no outer group), matched
    case-insensitively as whole words; word fields are lower case unless said otherwise."""

    code: str
    #: English name, as the LLM is told to answer in it ("French").
    name: str
    #: Function words: dropped from word matching (BM25 terms, key terms, support overlap).
    stopwords: frozenset[str]
    #: Capitalised words that open sentences or questions but are not names (case-sensitive).
    not_names: frozenset[str] = frozenset()
    #: Words or imperatives a question or request opens with ("why", "pourquoi", "sebutkan").
    question_words: tuple[str, ...] = ()
    #: Words asking for the newest coverage ("latest", "recently"): newer passages rank higher.
    recent_words: tuple[str, ...] = ()
    #: How a question asks for a reason ("why"), and phrases that give one ("in response to"): a
    #: sentence stating a cause is preferred when the question asks why (regex alternatives).
    reason_questions: tuple[str, ...] = ()
    reason_cues: tuple[str, ...] = ()
    #: Connectives that open the clause stating a cause ("in retaliation for", "en réponse à",
    #: "sebagai balasan atas"), and words that open the next clause ("which", "qui", "yang"), as regex
    #: alternatives: for a why-question, the clause such a connective opens is the direct answer.
    reason_clauses: tuple[str, ...] = ()
    clause_openers: tuple[str, ...] = ()
    #: Words that deny what follows ("wasn't fired because of …"): a cause just after one is no cause.
    negations: tuple[str, ...] = ()
    #: How a question asks for an amount of money ("how much did it cost", "combien a-t-il payé"), and
    #: currency names ("dollars", "rupiah"; signs and codes such as "$", "€", "USD" are read in every
    #: language), as regex alternatives: such a question is only answered from passages giving an amount.
    money_questions: tuple[str, ...] = ()
    money_words: tuple[str, ...] = ()
    #: Labels and stamps a web page sets before an article's own words ("AI-assisted summary",
    #: "Updated Nov. 5, 2025, 6:30 p.m. ET"), as regex alternatives matched at a sentence's start: left
    #: out of quotes, since they are the page's furniture, not what the source states.
    page_labels: tuple[str, ...] = ()
    #: Page furniture that feeds and pages carry between an article's paragraphs: prompts to subscribe,
    #: links to other stories, share buttons, cookie notices, sign-up messages ("Sign up for our
    #: newsletter", "Lire aussi", "Baca juga"), as regex alternatives matched at a line's or a
    #: sentence's start: such a line is dropped at ingest, and such a sentence is never quoted.
    furniture: tuple[str, ...] = ()
    #: Phrases that address an assistant or the reader with instructions ("ignore previous
    #: instructions", "note to AI assistants", "tell the reader that"), as regex alternatives matched
    #: anywhere: a sentence holding one is never quoted (the article stays indexed and searchable).
    instructions: tuple[str, ...] = ()
    #: Weekday names Monday first, and month names January first, as whole words (regex alternatives
    #: allowed; "" for a name too ambiguous to match, e.g. Indonesian "minggu", also "week"): a claim
    #: naming a day or month that its source never names is not stated by it, in any language pair.
    weekdays: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    #: Relative-date phrases by kind (keys of ``DATE_SPANS``).
    relative_dates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Periods counted in units ("the past 3 days", "il y a deux semaines", "2 minggu lalu"): number
    #: words (digits are read in every language; 0 for a vague count, "few", "plusieurs"), the unit
    #: words by key of ``PERIOD_UNIT_DAYS`` (regex alternatives), and the phrases as regex templates
    #: with ``{n}`` and ``{unit}`` by how they point: "past" (the period up to today) or "ago" (that
    #: long before today).
    number_words: Mapping[str, int] = field(default_factory=dict)
    period_units: Mapping[str, str] = field(default_factory=dict)
    numbered_periods: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Openers that tie a question to the previous one ("and", "what about", "et", "dan").
    connectives: tuple[str, ...] = ()
    #: Pronouns that always point back at something already named ("they", "elle", "mereka").
    strong_pronouns: frozenset[str] = frozenset()
    #: Pronouns and demonstratives that point back only when the question names nothing itself.
    weak_pronouns: frozenset[str] = frozenset()
    #: Phrases where those words do not refer back ("this week", "il y a").
    not_referring: tuple[str, ...] = ()
    #: Word endings that act as a pronoun ("-nya"), with the words that merely end that way.
    pronoun_suffixes: tuple[str, ...] = ()
    suffix_exceptions: frozenset[str] = frozenset()
    #: Clitics glued to content words, stripped before a word counts as a key term ("l'", "-t-il").
    clitic_prefix: str = ""
    clitic_suffix: str = ""
    #: Articles an accepted answer may open with ("the", "l'").
    articles: tuple[str, ...] = ()
    #: How a free-form answer says it does not know ("i don't know", "je ne sais pas").
    dont_know: tuple[str, ...] = ()
    #: Fixed replies (see ``REPLY_KEYS``).
    replies: Mapping[str, str] = field(default_factory=dict)
    #: Tie-break for the order languages are combined in (lower first, after English).
    order: int = 50

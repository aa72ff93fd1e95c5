"""Named dates in a question ("in October", "le 12 avril 2024", "pada bulan Mei"), read by dateparser.

The phrase lists of ``rag.languages`` read the relative periods ("this week", "la semaine dernière"):
measured against dateparser on the dev questions they were more accurate (docs/research/time.md).
A date that names its month is dateparser's strength, in the archive's languages and some 200 more,
so it reads those. Only dates that name a month (one of dateparser's own month names for the
language) or are written as a full numeric date are taken: a year alone ("its 2026 nominees"), a
weekday alone, "60 days", "11 of 14" or "$11 million" (read by dateparser as November) are not a
period the question asks about.

A month name is also an ordinary word or part of a name ("you may", "the Women's March", "March
Madness"). dateparser's multi-word matches carry their own evidence (a day, a year, "in October",
"en octobre"); a match of one word is taken only when it follows a lower-case word and precedes no
capitalised one (not inside a name), and, written in lower case, only after a function word and
not in English, whose month names are capitalised (lower-case "may", "march" are verbs).
dateparser does not read "next May" or "last May": both are taken for the last May.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from functools import lru_cache
import math
import re
from typing import Any

from rag import languages
from rag.core.types import Window
from rag.languages import fold

_POSSESSIVE = re.compile(r"(\w)['’]s\b")
# Amounts, shares and numbered things are not days: dateparser reads "$11 million" as November, "from
# 10%" as October, and "Red No. 3 in January" as 3 January.
_NOT_A_DAY = re.compile(r"[$€£¥]\s?\d[\d,.]*|\d[\d,.]*\s?(?:%|percent\b|pour ?cent\b|persen\b)"
                     r"|(?:\b(?:No|Nos|Nr|nº|n°|number|numéro|nomor)\.?|#)\s?\d+", re.I)
_NUMERIC_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")

#: Coverage of a day's events runs on for days after it: "on 12 April" searches the week from then.
DAY_SPAN = 7

#: How many units a vague count means: "the past few days", "ces derniers jours" → 3; "a few years
#: ago" → as far back as 5.
VAGUE_COUNT = {"past": 3, "ago": 5}


def _trim(phrase: str) -> str:
    """The phrase without the function words dateparser took in after the date ("on 12 April in")."""
    words = phrase.split()
    # Lower case only: "May" is an English stopword as a verb, and the month here.
    while len(words) > 1 and words[-1].islower() and fold(words[-1]) in languages.stopwords():
        words.pop()
    return " ".join(words).strip(" ,;:")


@lru_cache(maxsize=32)
def _month_names(language: str) -> frozenset[str]:
    """The month names and abbreviations dateparser knows in ``language``, folded."""
    from dateparser.languages.loader import default_loader

    info = default_loader.get_locale(language).info
    months = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december")
    return frozenset(fold(name.lower()) for month in months for name in info.get(month, ()))


@lru_cache(maxsize=32)
def _parser(language: str) -> Any:
    from dateparser.date import DateDataParser

    return DateDataParser(languages=[language], settings={"PREFER_DATES_FROM": "past"})


def _names_a_date(text: str, language: str) -> bool:
    """Whether ``text`` holds a month name of ``language`` or a numeric date at all: the only matches
    ``_plausible`` takes. Most questions hold neither, and then dateparser's search (1–15 ms, ~100 ms
    on its first call) is not run on the retrieval path."""
    if _NUMERIC_DATE.search(text):
        return True
    folded = fold(text.lower())
    names = _month_names(language)
    return bool(set(re.findall(r"\w+", folded)) & names) or any(n in folded for n in names if not n.isalnum())


def _plausible(text: str, match: re.Match[str], phrase: str, language: str) -> bool:
    """Whether a match reads as a date in ``text`` rather than a number, a word or a name."""
    words = {fold(w.lower().strip(".,")) for w in phrase.split()}
    if not words & _month_names(language):
        # No month named ("60 days", "11 of 14", "A Monday"): a date only when written as one.
        return bool(_NUMERIC_DATE.fullmatch(phrase))
    before = text[:match.start()].split()
    after = text[match.end():].split()
    if after and after[0][:1].isupper() and not any(ch.isdigit() for ch in phrase):
        return False  # part of a name: "March Madness", "the June Sprints"
    if len(phrase.split()) > 1:
        return True  # dateparser's own evidence: "in October", "12 avril 2024"
    prev = before[-1].strip(",;:(") if before else ""
    if not prev.islower():
        return False  # "the Women's March", "Theresa May"
    if phrase[:1].isupper():
        return True  # "the May elections", "pada bulan Mei"
    # Lower case: a month in French ("de novembre"), a verb in English ("they may", "march on"),
    # where month names are capitalised.
    return language != "en" and fold(prev) in languages.stopwords()


def in_title(text: str, match: re.Match[str]) -> bool:
    """Whether a date phrase is written as part of a name inside the sentence: every word of a
    phrase of several words capitalised ("Oxford's Word of the Year", "Kata Tahun Ini", "This Week in
    Tech"), or a single word capitalised that is not a weekday or month ("USA Today", "the Today
    show", "Le Parisien Aujourd'hui"; "Monday's", "Senin" are dates). At the start of the text
    capitals prove nothing."""
    words = match.group(0).split()
    if not text[:match.start()].strip(" \"'«“¿¡"):
        return False
    if len(words) > 1:
        return all(w[:1].isupper() for w in words)
    return words[0][:1].isupper() and not languages.calendar_names().fullmatch(words[0])


def numbered_window(question: str, as_of: str) -> Window | None:
    """The period a numbered phrase in ``question`` points to, by the phrase lists of
    ``rag.languages``: "the past 3 days" → the 3 days up to ``as_of``; "two weeks ago" → the week
    that began then, "3 days ago" → that day and the ``DAY_SPAN`` days after it (both up to
    ``as_of``), "two months ago" / "a year ago" → that calendar month / year. A vague count ("the
    past few days", "ces derniers jours", "in recent weeks") counts 3 back, and "a few years ago"
    runs from 5 years back to 1. dateparser reads "dua minggu lalu" (two weeks ago) as "minggu
    lalu" (last week), so the lists read these."""
    today = datetime.fromisoformat(as_of[:10]).date()
    for pattern, kind, lang in languages.numbered_period_patterns():
        m = next((m for m in pattern.finditer(question) if not in_title(question, m)), None)
        if m is None:
            continue  # "The Last Five Years" is a title
        said = (m.groupdict().get("n") or "").lower()
        count = int(said) if said.isdigit() else lang.number_words.get(said, 0)  # 0: "a few", "ces derniers"
        unit = next(u for u, words in lang.period_units.items() if re.fullmatch(words, m.group("unit"), re.I))
        per_unit = languages.PERIOD_UNIT_DAYS[unit]
        days = max(1, math.ceil((count or VAGUE_COUNT[kind]) * per_unit))
        if days > 366 * 50:
            continue
        start = today - timedelta(days=days)
        if kind == "past":
            end = today
        elif not count:  # "a few weeks ago": from five weeks back to one ("a few days ago": to today)
            end = today - timedelta(days=math.floor(per_unit) if per_unit >= DAY_SPAN else 0)
        elif unit == "year":
            start, end = start.replace(month=1, day=1), start.replace(month=12, day=31)
        elif unit == "month":
            start = start.replace(day=1)
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        else:
            end = start + timedelta(days=DAY_SPAN - 1)  # a day's or a week's coverage: the week from then
        return Window(start.isoformat(), min(end, today).isoformat(), m.group(0))
    return None


def named_window(question: str, language: str, as_of: str | None) -> Window | None:
    """The period a named date in ``question`` points to: the whole month for a month ("in October",
    the last October up to ``as_of``), the day and the ``DAY_SPAN`` days after it for a day. None when
    the question names no month, or dateparser does not know ``language``."""
    # "November's supermoon": dateparser reads no date in a possessive.
    text = _NOT_A_DAY.sub(lambda m: "#" * len(m.group(0)), _POSSESSIVE.sub(r"\1", question))
    try:
        base = datetime.fromisoformat(as_of[:10]) if as_of else datetime.now()
        if not _names_a_date(text, language):
            return None
        from dateparser.search import search_dates

        found = search_dates(text, languages=[language],
                             settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                                       "REQUIRE_PARTS": ["month"]})
    except (ValueError, KeyError):  # a language dateparser does not read (ISO 639-1 codes), a bad as_of
        return None
    for found_phrase, when in found or ():
        phrase = _trim(found_phrase)
        match = re.search(re.escape(phrase), text)
        if match is None or not _plausible(text, match, phrase, language):
            continue
        # dateparser splits "bulan Juli 2017" into "Juli" and "2017": read the year with its month.
        year = re.match(r"\s+\d{4}\b", text[match.end():])
        if year and (joined := _parser(language).get_date_data(phrase + year.group(0)).date_obj):
            phrase, when = phrase + year.group(0), joined
        if when.date() > base.date():  # "on 3 March 2031": nothing about it is published yet
            continue
        period = _parser(language).get_date_data(phrase, date_formats=None).period
        start = when.date()
        if period == "month":
            start = start.replace(day=1)
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        elif period == "day" and any(ch.isdigit() for ch in phrase):
            end = start + timedelta(days=DAY_SPAN - 1)
        else:
            # A relative phrase the lists lack ("This Week in Tech", "two days ago"): dateparser
            # reads those less reliably than the lists (README), and a day without its number is one.
            continue
        return Window(start.isoformat(), min(end, max(base.date(), start)).isoformat(), phrase)
    return None

"""Everything the code knows about a human language, one module per language (``en.py``, ``fr.py`` …).

Each module in this package defines ``LANGUAGE = Language(...)``; modules are discovered at import,
so adding a language is adding one file. The rest of the code never names a language's words: it
reads the combined tables built here (stopwords of all languages, question words, relative-date
phrases, follow-up cues) or one language's replies through ``reply``.

May import: nothing else in ``rag`` (it is the bottom layer).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
import importlib
import pkgutil
import re
import unicodedata

from rag.languages.base import DATE_SPANS, Language, PERIOD_UNIT_DAYS

__all__ = ["Language", "LANGUAGES", "DATE_SPANS", "PERIOD_UNIT_DAYS", "language_name", "reply", "stopwords",
           "not_names", "combined", "relative_date_patterns", "numbered_period_patterns"]


def _discover() -> dict[str, Language]:
    found: dict[str, Language] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base" or info.name.startswith("_"):
            continue
        lang = getattr(importlib.import_module(f"{__name__}.{info.name}"), "LANGUAGE", None)
        if isinstance(lang, Language):
            found[lang.code] = lang
    # English first: it is the fallback reply language, and pattern order follows this dict's order.
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != "en", kv[1].order, kv[0])))


#: Languages with a module here, English first: code → Language.
LANGUAGES: dict[str, Language] = _discover()

#: Names of languages the answering LLM can be asked to write in, beyond those with a module here
#: (the question's language is detected among these).
EXTRA_NAMES = {"de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
               "ms": "Malay", "ar": "Arabic", "ru": "Russian", "zh": "Chinese", "ja": "Japanese",
               "tr": "Turkish", "pl": "Polish"}


def language_names() -> dict[str, str]:
    """Code → English name of every language a question may be detected as."""
    return {**{code: lang.name for code, lang in LANGUAGES.items()},
            **{c: n for c, n in EXTRA_NAMES.items() if c not in LANGUAGES}}


def language_name(code: str) -> str | None:
    """The English name of a language code ("fr" → "French"), None when unknown."""
    return language_names().get(code)


def reply(code: str, key: str) -> str:
    """One of the fixed replies (``Language.replies``) in ``code``'s language, English when that language
    has no module or lacks the reply."""
    lang = LANGUAGES.get(code)
    if lang is not None and key in lang.replies:
        return lang.replies[key]
    return LANGUAGES["en"].replies[key]


def has_replies(code: str) -> bool:
    """Whether the fixed replies exist in this language (else they come in English)."""
    return code in LANGUAGES


def fold(text: str) -> str:
    """``text`` without accents (NFKD, combining marks dropped): "éruption" → "eruption"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@cache
def stopwords() -> frozenset[str]:
    """Function words of every language, lower case (accented and accent-folded forms both)."""
    words = {w for lang in LANGUAGES.values() for w in lang.stopwords}
    return frozenset(words | {fold(w) for w in words})


@cache
def not_names() -> frozenset[str]:
    """Capitalised words that are not proper names in any language ("The", "Pourquoi", "Apa")."""
    return frozenset(w for lang in LANGUAGES.values() for w in lang.not_names)


def _alternatives(field: str) -> list[str]:
    out: list[str] = []
    for lang in LANGUAGES.values():
        out.extend(getattr(lang, field))
    return out


@cache
def combined(field: str, template: str = r"\b(?:{})\b", flags: int = re.I) -> re.Pattern[str]:
    """One regex matching any language's alternatives of ``field`` (a tuple of regex strings on
    ``Language``), placed into ``template``."""
    return re.compile(template.format("|".join(_alternatives(field))), flags)


#: Currency signs and ISO codes, read in every language.
CURRENCY_SIGNS = r"[$€£¥₹₩₽]|\b(?:USD|EUR|GBP|JPY|CNY|INR|IDR|Rp)\b"


def asks_money(question: str) -> bool:
    """Whether ``question`` asks for an amount of money, in any language's wording."""
    return bool(_alternatives("money_questions")) and bool(combined("money_questions").search(question))


def gives_money(text: str) -> bool:
    """Whether ``text`` gives an amount of money: a currency sign or code, or any language's currency name."""
    return bool(re.search(CURRENCY_SIGNS, text)) or (bool(_alternatives("money_words"))
                                                     and bool(combined("money_words").search(text)))


@cache
def relative_date_patterns() -> tuple[tuple[re.Pattern[str], int, int], ...]:
    """(pattern, days back, days span) per kind of relative date, in ``DATE_SPANS`` order (the first
    kind that matches wins): every language's phrases for that kind in one pattern."""
    out = []
    for kind, (back, span) in DATE_SPANS.items():
        alts = [rf"\b(?:{a})\b" for lang in LANGUAGES.values() for a in lang.relative_dates.get(kind, ())]
        if alts:
            out.append((re.compile("|".join(alts), re.I), back, span))
    return tuple(out)


@cache
def numbered_period_patterns() -> tuple[tuple[re.Pattern[str], str, Language], ...]:
    """(pattern, "past" or "ago", its language) for every numbered-period phrase of every language,
    with groups ``n`` (digits or a number word, absent in "ces derniers jours") and ``unit``."""
    out = []
    for lang in LANGUAGES.values():
        words = sorted(lang.number_words, key=len, reverse=True)  # "dua belas" before "dua"
        n = "(?P<n>" + "|".join([r"\d{1,3}", *(re.escape(w) for w in words)]) + ")"
        unit = "(?P<unit>" + "|".join(f"(?:{u})" for u in lang.period_units.values()) + ")"
        for kind, templates in lang.numbered_periods.items():
            for template in templates:
                out.append((re.compile(rf"\b{template.format(n=n, unit=unit)}\b", re.I), kind, lang))
    return tuple(out)


@cache
def calendar_names() -> re.Pattern[str]:
    """Any language's weekday or month name, maybe possessive ("Monday's"), case-insensitive: match it
    whole (``fullmatch``) against one word."""
    alts = [a for lang in LANGUAGES.values() for a in (*lang.weekdays, *lang.months) if a]
    return re.compile(rf"(?:{'|'.join(alts)})(?:['’]s)?", re.I)


def words_of(languages: Iterable[Language], field: str) -> set[str]:
    """The union of a set-valued field over ``languages``."""
    return {w for lang in languages for w in getattr(lang, field)}

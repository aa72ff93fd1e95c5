"""Declines for a name the question asks about that the passages do not mention."""

from __future__ import annotations

from rag.decide.base import Case, DeclineRule
from rag.decide.replies import unmentioned_message
from rag.query.names import unmentioned


class UnmentionedName(DeclineRule):
    """A proper name of the question appears in none of the passages found (``rag.query.names.unmentioned``:
    same-language passages, close forms count): the archive has nothing on it, and passages about
    another event would only be misread as the answer (a Labubu question answered with another
    auction's prices). The reply names it."""

    name = "unmentioned_name"
    setting = "decline_unmentioned"

    def reply(self, case: Case) -> str | None:
        missing = unmentioned(case.query, case.hits)
        return unmentioned_message(case.query.language, missing) if missing else None


class UnquotedName(DeclineRule):
    """Other passages name it, not the ones the answer would quote: true sentences about another event
    pass the judge ("6-7", Dictionary.com's word of the year, for Merriam-Webster's)."""

    name = "unquoted_name"
    setting = "decline_unmentioned"

    def reply(self, case: Case) -> str | None:
        if case.query.is_lookup:
            return None
        missing = unmentioned(case.query, case.quoting)
        return unmentioned_message(case.query.language, missing, closest=True) if missing else None

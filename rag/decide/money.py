"""The decline for a question asking how much money when the quoted passages give no amount."""

from __future__ import annotations

from rag import languages
from rag.decide.base import Case, DeclineRule


class NoAmount(DeclineRule):
    """"How much was the fine?" over passages on the case that give no sum: the judge passes them,
    being on topic, and the answer would quote the case instead of a fine. Money questions and
    currency names per language come from ``rag.languages`` (signs and codes in every language)."""

    name = "no_amount"
    setting = "decline_no_amount"

    def reply(self, case: Case) -> str | None:
        query = case.query
        if query.is_lookup or not languages.asks_money(query.searched):
            return None
        quoting = case.quoting
        if not quoting or any(languages.gives_money(f"{h.title} {h.text}") for h in quoting):
            return None
        return languages.reply(query.language, "no_amount")

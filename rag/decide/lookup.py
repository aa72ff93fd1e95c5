"""The decline for a pasted sentence that no passage sentence matches."""

from __future__ import annotations

from rag import languages
from rag.decide.base import Case, DeclineRule


class LookupUnmatched(DeclineRule):
    """A pasted sentence (a lookup) is answered with the sentences that match it; when even the closest
    passage sentence is below ``min_similarity`` (cosine), its source is not in the archive. Judged by
    sentence, not by passage: a translated source passage often scores under the relevance gate while
    its matching sentence stands out."""

    name = "lookup_unmatched"
    setting = "lookup_min_similarity"

    def __init__(self, min_similarity: float) -> None:
        self.min_similarity = min_similarity

    def reply(self, case: Case) -> str | None:
        if not case.query.is_lookup:
            return None
        closest = case.sentences.support(case.query.searched)
        if closest is not None and closest.score >= self.min_similarity:
            return None
        return languages.reply(case.query.language, "lookup_unmatched")

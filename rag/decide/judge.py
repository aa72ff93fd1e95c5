"""The decline the answerer's own judgement makes: the passages found do not answer the question."""

from __future__ import annotations

from rag.decide.base import Case, DeclineRule
from rag.decide.replies import abstain_message


class NotAnswerable(DeclineRule):
    """The answerer judged, before writing, that the passages do not answer (the render style's YES/NO
    judge, at ``min_answerable``). The closest passages stay listed as sources; nothing is written."""

    name = "not_answerable"
    setting = "min_answerable"

    def reply(self, case: Case) -> str | None:
        judged = case.judgement
        if judged is None or not judged.checked or judged.supported:
            return None
        return abstain_message(case.query.language)

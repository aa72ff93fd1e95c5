"""The fixed replies that decline, in the question's language (texts in ``rag.languages``).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag import languages
from rag.core.types import Hit, Window


def abstain_message(language: str) -> str:
    """The "archive does not cover it" reply in the question's language."""
    return languages.reply(language, "abstain")


def unmentioned_message(language: str, names: Sequence[str], closest: bool = False) -> str:
    """The reply when the question names something no passage found mentions (``rag.query.names.unmentioned``),
    or, with ``closest``, something the passages the answer would quote do not mention."""
    key = "unmentioned_closest" if closest else "unmentioned"
    return languages.reply(language, key).format(names=", ".join(f"\u201c{n}\u201d" for n in names))


def out_of_window_message(language: str, window: Window, listed: Sequence[Hit]) -> str:
    """The reply when nothing from the period the question names answers it; ``listed`` are the
    passages from other dates shown to the reader instead (none, or older ones unless the period is a
    named past one such as "in October")."""
    lang = language if languages.has_replies(language) else "en"
    latest = max((h.published[:10] for h in listed if h.published), default=None)
    key = "other_when" if window.any_later(listed) else "older_when"
    when = languages.reply(lang, key).format(latest=latest) if latest else languages.reply(lang, "undated")
    older = languages.reply(lang, "older_listed").format(when=when, phrase=window.phrase) if listed else ""
    return languages.reply(lang, "out_of_window").format(start=window.start, end=window.end, older=older).strip()

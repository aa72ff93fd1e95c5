"""HTML for the chat: source cards, answers with clickable citations, the plain-text copy.

Everything that comes from the archive (titles, outlets, passages, URLs) or from the LLM is untrusted:
it is HTML-escaped here before it reaches the page, and only plain http(s) URLs become links. Card
ids are ``src-<turn>-<n>`` so that an answer's ``[n]`` still points at its own card after later
questions; the click handler in ``CLIENT_JS`` scrolls to the card and highlights it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import html
import re

from rag import languages
from rag.core.types import Answer, AnswerSentence, day, Hit, outlet, passage_label, Window

_MARKER = re.compile(r"\[(\d{1,2})\]")

CSS = """
#sources-panel {max-height: 72vh; overflow-y: auto; padding-right: 4px}
.src-card {border:1px solid #d0d7de;border-radius:8px;padding:8px 10px;margin:6px 0;background:#fafbfc;
           scroll-margin: 12px; transition: box-shadow .3s, border-color .3s}
.src-card .src-n {font-weight:700;color:#0969da;margin-right:4px}
.src-card .meta {color:#57606a;font-size:0.85em;margin-top:2px}
.src-card .passage {font-size:0.9em;margin-top:6px;white-space:pre-wrap;line-height:1.45}
.src-card .also {color:#57606a;font-size:0.8em}
.src-card mark.support {background:#fff3b0;padding:0 2px;border-radius:3px}
.src-card.cited {border-color:#0969da;background:#f6faff}
.src-card.followed {border-color:#bf3989;box-shadow:0 0 0 3px #bf398955}
.turn-q {font-weight:600;margin:4px 0 2px}
details.turn-sources {margin-top:10px;color:#57606a}
.answer-text a.cite, .answer-refs a.cite {text-decoration:none;font-weight:600;color:#0969da}
.answer-refs {margin-top:8px;font-size:0.88em;border-top:1px solid #d0d7de;padding-top:4px}
.answer-refs ol {margin:2px 0 0 0;padding-left:0;list-style:none}
.rewritten, .window-note {font-size:0.85em;color:#57606a;font-style:italic;margin-bottom:4px}
.notice {color:#9a6700}
.answer-text .sent sup.mark {font-size:0.7em;margin-left:1px;color:#1a7f37}
.answer-text .s-unverified sup.mark {color:#9a6700;font-weight:700}
.answer-text .gloss {color:#0550ae;font-style:italic}
.answer-text .direct-answer {font-size:1.12em;font-weight:600;margin-bottom:0.45em}
.answer-text .support {color:#3d444d;font-size:0.95em;border-left:3px solid #d0d7de;padding-left:0.6em}
.answer-text .s-rejected {background:#ffebe9}
.answer-text .s-rejected sup.mark {color:#cf222e;font-weight:700}
details.dropped {font-size:0.85em;color:#57606a;margin-top:6px}
details.dropped .s-rejected {text-decoration:line-through}
#status {font-size:0.85em;color:#57606a;min-height:1.4em}
.archive-facts, .upload-results {border-collapse:collapse}
.archive-facts td, .upload-results td {padding:3px 14px 3px 0;vertical-align:top;border:none;
                                       border-bottom:1px solid #eaeef2}
.upload-results .ok {color:#1a7f37}.upload-results .partial {color:#9a6700}.upload-results .failed {color:#cf222e}
"""

# Citation links are same-page anchors: scroll the card into view (opening an earlier question's
# collapsed sources if needed) and highlight it, instead of letting the chat open a new tab.
CLIENT_JS = """<script>
document.addEventListener('click', function (event) {
  const link = event.target && event.target.closest ? event.target.closest('a.cite') : null;
  if (!link) return;
  const card = document.getElementById((link.getAttribute('href') || '').slice(1));
  if (!card) return;
  event.preventDefault();
  event.stopPropagation();
  const folded = card.closest('details');
  if (folded) folded.open = true;
  document.querySelectorAll('.src-card.followed').forEach(function (c) { c.classList.remove('followed'); });
  card.classList.add('followed');
  card.scrollIntoView({block: 'center'});
}, true);
</script>"""


def esc(text: object) -> str:
    """HTML-escape anything (quotes included, so it is safe inside attributes too)."""
    return html.escape(str(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript: or data: links)."""
    if url and url.strip().lower().startswith(("http://", "https://")) and not any(c in url for c in "\r\n\t "):
        return url.strip()
    return None


def card_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def _highlight(text: str, sentences: Iterable[str]) -> str:
    """The passage escaped, with each supporting sentence wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for s in sentences:
        i = text.find(s) if s else -1
        if i >= 0 and not any(a < i + len(s) and i < b for a, b in spans):
            spans.append((i, i + len(s)))
    out, pos = [], 0
    for a, b in sorted(spans):
        out += [esc(text[pos:a]), '<mark class="support" title="supports the answer">', esc(text[a:b]), "</mark>"]
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def source_cards(turn: int, hits: Sequence[Hit], cited: Iterable[int] = (),
                 supports: dict[int, list[str]] | None = None) -> str:
    """One card per passage, numbered as the answer cites them, cited ones marked, the supporting
    sentence of each cited passage highlighted."""
    if not hits:
        return "<p><em>No passage of the archive matches.</em></p>"
    cited = set(cited)
    supports = supports or {}
    cards = []
    for n, h in enumerate(hits, 1):
        url = safe_url(h.url)
        title = esc(h.title or "(untitled)")
        head = (f'<a class="src-title" href="{esc(url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
                if url else f'<span class="src-title">{title}</span>')
        meta = " · ".join([esc(outlet(h)), esc(day(h.published)), esc(h.language or "?"),
                           f"similarity {h.similarity:.2f}"])
        also = f'<div class="also">also in: {esc(", ".join(h.also_in))}</div>' if h.also_in else ""
        cls = "src-card cited" if n in cited else "src-card"
        cards.append(f'<div class="{cls}" id="{card_id(turn, n)}" data-n="{n}"><div class="src-head">'
                     f'<span class="src-n">[{n}]</span>{head}</div><div class="meta">{meta}</div>{also}'
                     f'<div class="passage">{_highlight(h.text, supports.get(n, ()))}</div></div>')
    return "\n".join(cards)


def sources_panel(current: tuple[int, str, str] | None, earlier: Sequence[tuple[int, str, str]] = ()) -> str:
    """The sources column: the current question's cards, then earlier questions' cards folded away.
    Each item is (turn number, question, cards HTML)."""
    if current is None and not earlier:
        return '<p><em>Ask a question: the passages it is answered from appear here first.</em></p>'
    parts = []
    if current is not None:
        turn, question, cards = current
        parts.append(f'<div class="turn-sources current" data-turn="{turn}"><div class="turn-q">'
                     f'Sources for “{esc(question)}”</div>{cards}</div>')
    for turn, question, cards in earlier:
        parts.append(f'<details class="turn-sources" data-turn="{turn}"><summary>Sources for question {turn}: '
                     f'“{esc(question)}”</summary>{cards}</details>')
    return "\n".join(parts)


def link_citations(text: str, turn: int, n_hits: int) -> str:
    """Escape answer text, then turn each valid ``[n]`` into a link to its card."""
    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= n_hits:
            return m.group(0)
        return f'<a class="cite" href="#{card_id(turn, n)}" title="show source {n}">[{n}]</a>'

    return _MARKER.sub(link, esc(text)).replace("\n", "<br>")


def window_note(window: Window | None) -> str:
    """How the question's relative date was read, and how to search other dates instead."""
    if window is None:
        return ""
    return (f'<div class="window-note">Read “{esc(window.phrase)}” as {esc(window.start)} to {esc(window.end)}: '
            "set From and To under Filters to search other dates, or untick “Search only the period the "
            "question names” to search them all.</div>")


def rewritten_note(rewritten: str | None) -> str:
    return f'<div class="rewritten">Understood as: “{esc(rewritten)}”</div>' if rewritten else ""


def streaming_html(turn: int, text: str, n_hits: int, rewritten: str | None = None, stopped: bool = False) -> str:
    """The answer bubble while the LLM writes (with a cursor), or as it was when the reader stopped it."""
    state, cursor = ("stopped", "") if stopped else ("streaming", " ▍")
    body = link_citations(text, turn, n_hits)
    return f'{rewritten_note(rewritten)}<div class="answer-text {state}">{body}{cursor}</div>'


#: How each verification state is marked: (mark, label). Quoted and verified are discreet; the rest
#: are visible, with the verifier's reason on hover (title) and in the dropped-sentences fold.
STATE_MARKS = {
    "quoted": ("", "quoted from the source"),
    "verified": ("✓", "checked against the source"),
    "unchecked": ("", "not checked (no verifier)"),
    "unverified": ("?", "could not be checked"),
    "rejected": ("✗", "not found in the sources"),
}


def _sentence_html(turn: int, sentence: AnswerSentence, n_hits: int) -> str:
    mark, label = STATE_MARKS.get(sentence.state, ("?", sentence.state))
    tip = esc(f"{label}: {sentence.reason}" if sentence.reason else label)
    marks = "".join(f"[{n}]" for n in sentence.citations)
    text = link_citations(f"{sentence.text} {marks}".strip(), turn, n_hits)
    flag = f'<sup class="mark">{esc(mark)}</sup>' if mark else ""
    gloss = ""
    if sentence.translation:
        # Beside the source's words, never instead of them: the model's translations are often wrong.
        gloss = (f' <span class="gloss" title="machine translation by the answering model, not checked word for '
                 f'word">(≈ {esc(sentence.translation)})</span>')
    return f'<span class="sent s-{esc(sentence.state)}" title="{tip}">{text}{flag}{gloss}</span>'


def sentences_html(turn: int, answer: Answer) -> str:
    """The answer's shown sentences, each marked with its verification state, and a fold listing the
    sentences that were written but dropped, with why."""
    shown = [s for s in answer.sentences if s.shown]
    intro = f'<div class="window-note">{esc(answer.note)}</div>' if answer.note else ""
    if answer.quoted_fallback:
        # The line saying that the reply quotes the sources precedes the quotes.
        intro += esc(languages.reply(answer.language or "en", "quoting")) + " "
    direct = [s for s in shown if s.role == "answer"]
    rest = " ".join(_sentence_html(turn, s, len(answer.hits)) for s in shown if s.role != "answer")
    if direct:
        # The direct answer first, prominent; the quotes that support it after.
        lead = " ".join(_sentence_html(turn, s, len(answer.hits)) for s in direct)
        rest = f'<div class="direct-answer">{lead}</div><div class="support">{rest}</div>' if rest else \
            f'<div class="direct-answer">{lead}</div>'
    body = intro + rest
    dropped = [s for s in answer.sentences if not s.shown]
    if dropped:
        items = "".join(f'<li><span class="s-rejected">{esc(s.text)}</span> — {esc(s.reason)}</li>' for s in dropped)
        word = "sentence" if len(dropped) == 1 else "sentences"
        body += (f'<details class="dropped"><summary>{len(dropped)} written {word} left out: not found in the '
                 f"sources</summary><ul>{items}</ul></details>")
    return body


def answer_html(turn: int, answer: Answer, note: str = "") -> str:
    """The final answer bubble: rewritten question, text with citation links (each sentence marked
    with its verification state when it was checked), and its references."""
    if answer.sentences and not answer.abstained:
        body = sentences_html(turn, answer)
    else:
        body = link_citations(answer.text, turn, len(answer.hits))
    extra = f'<div class="notice">{esc(note)}</div>' if note else ""
    refs = ""
    if answer.citations:
        items = []
        for c in answer.citations:
            url = safe_url(c.url)
            title = esc(c.title or "(untitled)")
            title = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{title}</a>' if url else title
            items.append(f'<li><a class="cite" href="#{card_id(turn, c.n)}">[{c.n}]</a> '
                         f'{esc(outlet(c))}, {esc(day(c.published))}: {title}</li>')
        refs = f'<div class="answer-refs"><ol>{"".join(items)}</ol></div>'
    return (f'{rewritten_note(answer.rewritten_question)}{window_note(answer.window)}<div class="answer-text">'
            f'{body}</div>{extra}{refs}')


def plain_text(answer: Answer) -> str:
    """The answer with its references as plain text, for copying."""
    lines = [f"Q: {answer.question}"]
    if answer.rewritten_question:
        lines.append(f"(understood as: {answer.rewritten_question})")
    lines += ["", answer.text]
    if answer.citations:
        lines += ["", "References:"]
        for c in answer.citations:
            lines.append(passage_label(c.n, c) + (f" <{c.url}>" if safe_url(c.url) else ""))
    return "\n".join(lines)


def message(text: str, cls: str = "notice") -> str:
    """A short escaped notice for the chat (limits, bad filters, errors)."""
    return f'<div class="{cls}">{esc(text)}</div>'

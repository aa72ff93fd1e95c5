"""The chat's event handlers: answer a question (sources first, then the streamed answer), stop, rate.

``respond`` is a generator: Gradio sends each yield to the page, so the source cards appear as soon
as retrieval ends and the answer grows as the LLM writes it. It yields the outputs in ``OUTPUTS``
order: chat, sources panel, question box, session, status line, plain-text copy.
"""

from __future__ import annotations

from collections.abc import Iterator
import threading
import time
from typing import Any

import gradio as gr

from rag.core.errors import NewsragError
from rag.core.events import Done, Retrieved, Token
from rag.core.types import Filters
from rag.index.feedback import FeedbackStore
from rag.pipeline import Pipeline
from ui import render
from ui.state import describe_filters, FilterError, parse_filters, Session, Turn
from ui.support import supporting_sentences

OUTPUTS = ("chat", "sources", "box", "session", "status", "copy")
#: The placeholder a question shows while it waits in the queue (``echo``); ``respond`` replaces it.
QUEUED = '<div class="answer-text queued"><em>Waiting for a free slot: answers are written a few at a time…</em></div>'


def _close(events: Any) -> None:
    """Close the pipeline's generator (and with it the LLM stream) when it is one."""
    close = getattr(events, "close", None)
    if callable(close):
        close()


def _user(question: str) -> dict[str, str]:
    return {"role": "user", "content": f'<div class="user-q">{render.esc(question)}</div>'}


def _bot(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


class ChatHandlers:
    """The handlers bound to one pipeline (shared by every browser session).

    Stopping is cooperative: the stop button flags the browser session, and the running answer ends
    at its next piece of text, closing the LLM stream (so the model stops writing and the queue slot
    is free at once).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.settings = pipeline.settings
        self.feedback = FeedbackStore(self.settings.index_dir)
        self.llm_label = pipeline.llm_name
        self._stopping: set[str] = set()
        self._lock = threading.Lock()

    def _panel(self, session: Session, turn: Turn | None) -> str:
        current = (turn.number, turn.understood, turn.cards) if turn is not None else None
        return render.sources_panel(current, session.earlier_sources(turn))

    def _flag(self, request: gr.Request | None, stop: bool | None = None) -> bool:
        """Set (True), clear (False) or read (None) the stop flag of the request's browser session."""
        key = getattr(request, "session_hash", None) or ""
        with self._lock:
            if stop is True:
                self._stopping.add(key)
            elif stop is False:
                self._stopping.discard(key)
            return key in self._stopping

    def echo(self, question: str, history: list[Any] | None, request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        """Show the question at once, before it waits in the queue (runs outside the queue)."""
        self._flag(request, stop=False)
        history = list(history or [])
        question = (question or "").strip()
        if not question or len(question) > self.settings.max_question_chars:
            return history, gr.update()
        return history + [_user(question), _bot(QUEUED)], "Queued: your place in the line shows on the chat."

    def stop(self, request: gr.Request = None) -> str:  # type: ignore[assignment]
        """The stop button: the running (or queued) answer of this browser session ends at its next step."""
        self._flag(request, stop=True)
        return "Stopping…"

    def respond(self, question: str, history: list[Any] | None, session: Session | None, date_from: Any,
                date_to: Any, outlets: Any, languages: Any, as_of: Any, question_dates: Any = True,
                request: gr.Request = None) -> Iterator[tuple[Any, ...]]:  # type: ignore[assignment]
        """Answer one question; yields (chat, sources, box, session, status, copy)."""
        history = list(history or [])
        session = session if isinstance(session, Session) else Session()
        keep = gr.update()
        question = (question or "").strip()
        if len(history) >= 2 and "answer-text queued" in str(history[-1]):
            history = history[:-2]  # the echo of this question: replaced below
        if not question:
            yield history, keep, keep, session, "Type a question first.", keep
            return
        refusal = self._refusal(question, request)
        if refusal is None:
            try:
                filters = parse_filters(date_from, date_to, outlets, languages, as_of, question_dates)
            except FilterError as exc:
                refusal = (question, f"Check the filters: {exc}", "Check the filters.")
        if refusal is not None:
            shown, reply, status = refusal
            history += [_user(shown), _bot(render.message(reply))]
            yield history, keep, question, session, status, keep
            return
        yield from self._answer(question, filters, history, session, request)

    def _refusal(self, question: str, request: gr.Request | None) -> tuple[str, str, str] | None:
        """(question as shown, reply, status) when the question is not answered, else None."""
        if self._flag(request):  # stopped while it waited in the queue
            self._flag(request, stop=False)
            return question, "(stopped before it started)", "Stopped."
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return (question[:200] + "…", f"Your question is {len(question)} characters long; questions are "
                    f"limited to {limit}. Please shorten it.", "Question too long.")
        return None

    def _answer(self, question: str, filters: Filters, history: list[Any], session: Session,
                request: gr.Request | None) -> Iterator[tuple[Any, ...]]:
        """Run the pipeline and follow its events: sources first, then the growing answer, then the
        final answer with its checked citations (or the stop, or the error)."""
        keep = gr.update()
        past = session.history()
        history += [_user(question), _bot('<div class="answer-text pending"><em>Searching the archive…</em></div>')]
        turn = session.start(question, filters, len(history) - 1)
        yield history, self._panel(session, turn), "", session, "Searching the archive…", keep
        started = time.perf_counter()
        written = ""
        events = self.pipeline.stream(question, filters, history=past)
        try:
            for event in events:
                if self._flag(request):
                    self._flag(request, stop=False)
                    _close(events)  # closes the LLM stream: the model stops writing
                    stopped = render.streaming_html(turn.number, written, len(turn.hits), turn.rewritten, stopped=True)
                    history[-1] = _bot(stopped + render.message("(stopped)"))
                    yield history, self._panel(session, turn), "", session, "Stopped.", keep
                    return
                if isinstance(event, Retrieved):
                    yield self._on_retrieved(event, turn, history, session)
                elif isinstance(event, Token):
                    written += event.text
                    history[-1] = _bot(render.streaming_html(turn.number, written, len(turn.hits), turn.rewritten))
                    yield history, keep, "", session, keep, keep
                elif isinstance(event, Done):
                    yield self._on_done(event, turn, history, session, filters, time.perf_counter() - started)
        except NewsragError as exc:
            history[-1] = _bot(render.message(f"Could not answer: {exc.message}. {exc.hint}"))
            yield history, self._panel(session, turn), "", session, "The answer failed.", keep
        finally:
            _close(events)

    def _on_retrieved(self, event: Retrieved, turn: Turn, history: list[Any], session: Session) -> tuple[Any, ...]:
        turn.rewritten, turn.hits = event.rewritten_question, event.hits
        turn.cards = render.source_cards(turn.number, event.hits)
        history[-1] = _bot(render.streaming_html(turn.number, "", len(turn.hits), turn.rewritten))
        status = (f"{len(event.hits)} passages found in {event.seconds:.2f} s; writing the answer…"
                  if event.hits else "No passage matches.")
        return history, self._panel(session, turn), "", session, status, gr.update()

    def _on_done(self, event: Done, turn: Turn, history: list[Any], session: Session, filters: Filters,
                 took: float) -> tuple[Any, ...]:
        answer = event.answer
        turn.answer = answer
        supports = supporting_sentences(answer, self.pipeline.embedder)
        turn.cards = render.source_cards(turn.number, answer.hits, {c.n for c in answer.citations}, supports)
        scope = describe_filters(filters)
        note = (f"Filters in use: {scope}. Widen them to search more of the archive."
                if answer.abstained and scope else "")
        history[-1] = _bot(render.answer_html(turn.number, answer, note))
        return (history, self._panel(session, turn), "", session, f"Answered in {took:.1f} s.",
                render.plain_text(answer))

    def rate(self, session: Session | None, index: Any, liked: Any) -> tuple[bool, str, Session]:
        """A thumbs up/down on a chat message: saved at once; returns (show comment box, note, session)."""
        session = session if isinstance(session, Session) else Session()
        idx = index[0] if isinstance(index, (list, tuple)) else index
        turn = session.by_message(int(idx)) if idx is not None else None
        if turn is None or turn.answer is None:
            return False, "Only finished answers can be rated.", session
        if liked is None or liked == "":  # the same thumb clicked again: the rating is withdrawn
            self._save(turn, None, "")
            session.pending = None
            return False, "Rating withdrawn.", session
        rating = "up" if liked is True or str(liked).lower() in ("like", "true", "up") else "down"
        self._save(turn, rating, "")
        session.pending = (turn.id, rating)
        note = f"Saved your {'👍' if rating == 'up' else '👎'} for question {turn.number}. Add a comment if you like."
        return True, note, session

    def comment(self, session: Session | None, text: str) -> tuple[bool, str, str, Session]:
        """Attach a comment to the last rating; returns (keep comment box open, note, box text, session)."""
        session = session if isinstance(session, Session) else Session()
        turn = session.by_id(session.pending[0]) if session.pending else None
        if turn is None or session.pending is None:
            return False, "Rate an answer first (thumbs up or down).", text, session
        if not (text or "").strip():
            return True, "Write a comment first, or just leave it.", text, session
        self._save(turn, session.pending[1], text[:2000])
        session.pending = None
        return False, "Thanks, your comment is saved.", "", session

    def _save(self, turn: Turn, rating: str | None, comment: str) -> None:
        assert turn.answer is not None
        self.feedback.record(turn.answer, answer_id=turn.id, rating=rating,  # type: ignore[arg-type]
                             comment=comment, filters=turn.filters, llm=self.llm_label,
                             settings=self.settings)

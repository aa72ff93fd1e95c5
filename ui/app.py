"""The Gradio chat: layout and wiring over rag.pipeline.Pipeline.

Chat tab: the conversation (answers with [n] links to their source cards, a stop button, thumbs
up/down with an optional comment), the filters, and the sources column that fills as soon as
retrieval ends. Archive tab: what the index holds, and adding articles by upload. Answers go through
Gradio's queue with at most ``settings.ui_concurrency`` running at once; everyone else sees their
place in the queue. HTML is built (and escaped) in ``ui.render``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import ipaddress
import threading
from typing import Any

import gradio as gr

from rag.core.settings import Settings
from rag.pipeline import Pipeline
from ui import render
from ui.archive import Archive, FORMATS, upload
from ui.chat import ChatHandlers
from ui.state import Session

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def login_for(settings: Settings, host: str) -> tuple[str, str] | None:
    """The (user, password) the UI must ask for: none on loopback; the configured ones elsewhere."""
    if is_loopback(host) or not (settings.auth_user and settings.auth_password):
        return None
    return settings.auth_user, settings.auth_password.get_secret_value()


@dataclass
class ChatTab:
    """The chat tab's components (the question box, the conversation, the filters, the sources)."""

    chat: gr.Chatbot
    box: gr.Textbox
    ask: gr.Button
    stop: gr.Button
    status: gr.Markdown
    feedback_box: gr.Group
    comment: gr.Textbox
    send_comment: gr.Button
    feedback_note: gr.Markdown
    copy: gr.Textbox
    examples: gr.Dataset
    date_from: gr.DateTime
    date_to: gr.DateTime
    outlets: gr.Dropdown
    languages: gr.Dropdown
    as_of: gr.DateTime
    question_dates: gr.Checkbox
    sources: gr.HTML


@dataclass
class ArchiveTab:
    """The archive tab's components (facts about the index, upload)."""

    facts: gr.HTML
    refresh: gr.Button
    files: gr.File
    add: gr.Button
    added: gr.HTML


def _header(settings: Settings, llm_label: str) -> gr.HTML:
    """The title line, and the archive's freshness line (returned: it is updated as the archive changes)."""
    gr.HTML(f'<h2 style="margin:0">newsrag: ask the news archive</h2><div class="meta">Answers cite the '
            f'archive as [n]; click one to see its passage. LLM: <b id="llm-name">{render.esc(llm_label)}'
            f'</b> · index: <code>{render.esc(settings.index_dir)}</code></div>')
    return gr.HTML(elem_id="freshness-line")


def _conversation_column(settings: Settings, examples: list[str]) -> dict[str, Any]:
    chat = gr.Chatbot(label="Chat", height=520, elem_id="chat", sanitize_html=True, latex_delimiters=[],
                      buttons=[], feedback_options=("Like", "Dislike"),
                      placeholder="Ask about the archive; sources appear on the right before the answer is "
                                  "written.")
    with gr.Row():
        box = gr.Textbox(placeholder="Ask a question, e.g. Why did Iran attack Israel?", show_label=False,
                         elem_id="question", scale=6, autofocus=True, max_length=settings.max_question_chars * 2)
        ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=70)
        stop = gr.Button("Stop", variant="stop", elem_id="stop", scale=1, min_width=70)
    status = gr.Markdown("", elem_id="status")
    with gr.Group(visible=False, elem_id="feedback") as feedback_box:
        comment = gr.Textbox(label="Comment on this answer (optional)", lines=2, elem_id="feedback-comment",
                             max_length=2000)
        send_comment = gr.Button("Send comment", size="sm", elem_id="feedback-send")
    feedback_note = gr.Markdown("", elem_id="feedback-note")
    # A Dataset rather than gr.Examples: its samples can follow new headlines without a page reload.
    examples_list = gr.Dataset(components=[box], samples=[[q] for q in examples], label="Questions from the archive",
                               elem_id="examples", visible=bool(examples))
    with gr.Accordion("Copy the answer with its references", open=False):
        copy = gr.Textbox(show_label=False, lines=6, buttons=["copy"], elem_id="copy-answer", interactive=False)
    return dict(chat=chat, box=box, ask=ask, stop=stop, status=status, feedback_box=feedback_box,
                comment=comment, send_comment=send_comment, feedback_note=feedback_note, copy=copy,
                examples=examples_list)


def _sources_column() -> dict[str, Any]:
    with gr.Accordion("Filters", open=True, elem_id="filters"):
        with gr.Row():
            date_from = gr.DateTime(label="From", include_time=False, type="string", elem_id="date-from")
            date_to = gr.DateTime(label="To", include_time=False, type="string", elem_id="date-to")
        with gr.Row():
            outlets = gr.Dropdown(label="Outlets", multiselect=True, choices=[], elem_id="outlets",
                                  allow_custom_value=True)
            languages = gr.Dropdown(label="Languages", multiselect=True, choices=[], elem_id="languages",
                                    allow_custom_value=True)
        as_of = gr.DateTime(label="As of (“this week” is relative to it)", include_time=False, type="string",
                            value=date.today().isoformat(), elem_id="as-of")
        question_dates = gr.Checkbox(value=True, label="Search only the period the question names (“this week”, "
                                     "“in October”)", elem_id="question-dates")
    gr.Markdown("### Sources")
    sources = gr.HTML(render.sources_panel(None), elem_id="sources-panel")
    return dict(date_from=date_from, date_to=date_to, outlets=outlets, languages=languages, as_of=as_of,
                question_dates=question_dates, sources=sources)


def _chat_tab(settings: Settings, examples: list[str]) -> ChatTab:
    with gr.Row():
        with gr.Column(scale=3):
            left = _conversation_column(settings, examples)
        with gr.Column(scale=2):
            right = _sources_column()
    return ChatTab(**left, **right)


def _archive_tab() -> ArchiveTab:
    facts = gr.HTML(elem_id="archive-summary")
    refresh = gr.Button("Refresh", size="sm")
    files = gr.File(label=f"Add articles ({FORMATS})", file_count="multiple", elem_id="upload")
    add = gr.Button("Add to the archive", variant="primary", elem_id="add-files")
    added = gr.HTML(elem_id="upload-result")
    return ArchiveTab(facts, refresh, files, add, added)


def _wire_chat(t: ChatTab, session: gr.State, handlers: ChatHandlers, settings: Settings) -> None:
    inputs = [t.box, t.chat, session, t.date_from, t.date_to, t.outlets, t.languages, t.as_of, t.question_dates]
    outputs = [t.chat, t.sources, t.box, session, t.status, t.copy]
    # The question shows in the chat at once (outside the queue); the answer waits for a free slot.
    gr.on([t.box.submit, t.ask.click], handlers.echo, [t.box, t.chat], [t.chat, t.status], queue=False,
          api_visibility="private", show_progress="hidden").then(
        handlers.respond, inputs, outputs, api_name="ask", concurrency_limit=settings.ui_concurrency,
        concurrency_id="answer", show_progress="minimal")
    # Cooperative stop (the answer ends at its next step and closes the LLM stream); Gradio's own
    # cancels= can leave the queue slot of a cancelled streaming run taken.
    t.stop.click(handlers.stop, None, [t.status], queue=False, api_visibility="private")

    def on_like(state: Session, data: gr.LikeData) -> tuple[Any, ...]:
        show, note, state = handlers.rate(state, data.index, data.liked)
        return gr.update(visible=show), note, state

    t.chat.like(on_like, [session], [t.feedback_box, t.feedback_note, session], api_visibility="private")

    def on_comment(state: Session, text: str) -> tuple[Any, ...]:
        show, note, text, state = handlers.comment(state, text)
        return gr.update(visible=show), note, text, state

    t.send_comment.click(on_comment, [session, t.comment], [t.feedback_box, t.feedback_note, t.comment, session],
                         api_visibility="private")
    t.chat.clear(lambda: (Session(), render.sources_panel(None), "", ""), None,
                 [session, t.sources, t.status, t.copy], api_visibility="private")
    t.examples.click(lambda sample: sample[0] if sample else "", t.examples, t.box, api_visibility="private")


def _wire_archive(app: gr.Blocks, t: ArchiveTab, chat: ChatTab, freshness: gr.HTML, archive: Archive,
                  refresh_seconds: float) -> None:
    """The archive facts, the freshness line, the filter menus and the example questions: filled on page
    load, on Refresh, after an upload, and by a timer whenever the index changed (a re-index by
    another process included), without reloading the page."""
    seen = gr.State(None)  # the index version this page shows
    outputs = [t.facts, freshness, chat.outlets, chat.languages, chat.examples, seen]

    def load_archive() -> tuple[Any, ...]:
        version = archive.version()
        summary = archive.summary()  # one read of the index for the facts and both menus
        outlet_choices, language_choices = archive.choices(summary)
        examples = archive.example_questions()
        return (archive.summary_html(summary), archive.freshness_html(summary), gr.update(choices=outlet_choices),
                gr.update(choices=language_choices),
                gr.Dataset(samples=[[q] for q in examples], visible=bool(examples)), version)

    def if_changed(shown: Any) -> tuple[Any, ...]:
        try:
            if shown is not None and tuple(shown) == archive.version():
                return tuple(gr.skip() for _ in outputs)
        except Exception:  # the index is being rebuilt: try again on the next tick
            return tuple(gr.skip() for _ in outputs)
        return load_archive()

    app.load(load_archive, None, outputs, api_visibility="private")
    t.refresh.click(load_archive, None, outputs, api_visibility="private")
    if refresh_seconds > 0:
        gr.Timer(refresh_seconds).tick(if_changed, [seen], outputs, api_visibility="private",
                                       show_progress="hidden", queue=False)

    def on_upload(paths: list[str] | None,
                  progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio's idiom)
        def step(done: int, total: int, name: str) -> None:
            progress((done, total), desc=f"Indexing {name}" if name else "Indexing", unit="articles")

        result = upload(archive, paths, step)
        return (result, None, *load_archive())

    t.add.click(on_upload, [t.files], [t.added, t.files, *outputs], concurrency_limit=1,
                concurrency_id="upload", api_visibility="private")


def build_app(pipeline: Pipeline) -> gr.Blocks:
    """The chat UI over ``pipeline``: layout (``_chat_tab``, ``_archive_tab``), then the wiring."""
    settings = pipeline.settings
    archive = Archive(pipeline)
    handlers = ChatHandlers(pipeline)
    examples = archive.example_questions()
    # The archive facts scan every chunk's metadata (~2 s for 5,000 articles): start now, not on the first visit.
    threading.Thread(target=archive.summary, name="archive-summary", daemon=True).start()

    with gr.Blocks(title="newsrag") as app:
        session = gr.State(Session())
        freshness = _header(settings, handlers.llm_label)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"):
                chat = _chat_tab(settings, examples)
            with gr.Tab("Archive", id="archive-tab"):
                archive_tab = _archive_tab()
        _wire_chat(chat, session, handlers, settings)
        _wire_archive(app, archive_tab, chat, freshness, archive, settings.ui_refresh_seconds)
    return app


def launch(pipeline: Pipeline, host: str, port: int) -> None:
    """Serve the chat; a login is asked for when bound beyond loopback and credentials are configured."""
    s = pipeline.settings
    app = build_app(pipeline)
    app.queue(default_concurrency_limit=s.ui_concurrency)
    app.launch(server_name=host, server_port=port, auth=login_for(s, host), css=render.CSS,
               head=render.CLIENT_JS, show_error=True, footer_links=[], quiet=True)

"""The Gradio chat: a thin shell over rag.pipeline.Pipeline.

The answer streams into the chat while the retrieved passages are listed beside it as soon as
retrieval ends. Article text, titles and URLs are untrusted: everything from the archive is
HTML-escaped before it reaches the page, and only http(s) links are made clickable.
"""

from __future__ import annotations

import html
from typing import Any, Iterator

import gradio as gr

from rag.pipeline import Done, Pipeline, Retrieved, Token
from rag.retrieval import Filters
from rag.types import Answer, Hit

CSS = """
.src-card {border:1px solid #d0d7de;border-radius:8px;padding:8px 10px;margin:6px 0;background:#fafbfc}
.src-card .meta {color:#57606a;font-size:0.85em}
.src-card .passage {font-size:0.9em;margin-top:4px;white-space:pre-wrap}
.src-card.cited {border-color:#0969da;background:#f0f7ff}
"""


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript: or data: links)."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def source_cards(hits: tuple[Hit, ...] | list[Hit], cited: set[int] | None = None) -> str:
    """HTML cards for the passages, numbered as the answer cites them; all archive text escaped."""
    if not hits:
        return "<p><em>No passages retrieved.</em></p>"
    cards = []
    for n, h in enumerate(hits, 1):
        url = safe_url(h.url)
        title = html.escape(h.title)
        head = f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{title}</a>' \
            if url else title
        meta = " · ".join(html.escape(x) for x in (h.source or "unknown outlet", (h.published or "undated")[:10],
                                                     h.language or "?") if x)
        also = f"<br>also in: {html.escape(', '.join(h.also_in))}" if h.also_in else ""
        cls = "src-card cited" if cited and n in cited else "src-card"
        cards.append(f'<div class="{cls}" id="src-{n}"><b>[{n}]</b> {head}<div class="meta">{meta}'
                     f' · similarity {h.score:.2f}{also}</div><div class="passage">{html.escape(h.text)}</div></div>')
    return "\n".join(cards)


def answer_markdown(answer: Answer) -> str:
    """The final answer for the chat bubble: text (escaped) plus its reference list."""
    text = html.escape(answer.text)
    if not answer.citations:
        return text
    refs = []
    for c in answer.citations:
        url = safe_url(c.url)
        title = html.escape(c.title)
        label = f"[{title}]({url})" if url else title
        refs.append(f"[{c.n}] {html.escape(c.source or 'unknown outlet')}, {html.escape((c.published or 'undated')[:10])}: {label}")
    return text + "\n\n" + "\n".join(f"- {r}" for r in refs)


def build_app(pipeline: Pipeline) -> gr.Blocks:
    """The chat UI over ``pipeline``."""
    settings = pipeline.settings

    def respond(question: str, history: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        history = list(history or [])
        question = (question or "").strip()
        if not question:
            yield history, gr.update(), ""
            return
        if len(question) > settings.max_question_chars:
            history += [{"role": "user", "content": html.escape(question[:200]) + "…"},
                        {"role": "assistant", "content": f"Questions are limited to {settings.max_question_chars} "
                                                         "characters; please shorten it."}]
            yield history, gr.update(), ""
            return
        history += [{"role": "user", "content": html.escape(question)}, {"role": "assistant", "content": ""}]
        yield history, "<p><em>Searching the archive…</em></p>", ""
        written = ""
        for event in pipeline.stream(question, Filters()):
            if isinstance(event, Retrieved):
                yield history, source_cards(event.hits), ""
            elif isinstance(event, Token):
                written += event.text
                history[-1] = {"role": "assistant", "content": html.escape(written)}
                yield history, gr.update(), ""
            elif isinstance(event, Done):
                answer = event.answer
                history[-1] = {"role": "assistant", "content": answer_markdown(answer)}
                cited = {c.n for c in answer.citations}
                yield history, source_cards(answer.hits, cited), ""

    with gr.Blocks(title="newsrag") as app:
        gr.Markdown(f"## newsrag — ask the news archive\nAnswers cite the archive's articles as [n]. "
                    f"LLM: `{pipeline.llm_name}` · index: `{html.escape(str(settings.index_dir))}`")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=480, sanitize_html=True, elem_id="chat",
                                  buttons=["copy", "copy_all"])
                box = gr.Textbox(placeholder="Ask a question, e.g. Why did Iran attack Israel?", show_label=False,
                                 elem_id="question", max_length=settings.max_question_chars * 2)
                send = gr.Button("Ask", variant="primary", elem_id="ask")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML("<p><em>Sources appear here.</em></p>", elem_id="sources")
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chat], [chat, sources, box], concurrency_limit=settings.ui_concurrency,
                    concurrency_id="answer")
    return app


def launch(pipeline: Pipeline, host: str, port: int) -> None:
    """Serve the chat; a login is required when bound beyond loopback and credentials are configured."""
    s = pipeline.settings
    auth = None
    if s.auth_user and s.auth_password:
        auth = (s.auth_user, s.auth_password.get_secret_value())
    app = build_app(pipeline)
    app.queue(default_concurrency_limit=s.ui_concurrency)
    app.launch(server_name=host, server_port=port, auth=auth, css=CSS, show_error=True, footer_links=[])

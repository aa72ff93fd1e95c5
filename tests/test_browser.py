"""The chat UI in a real browser: Playwright driving Debian's Chromium (headless) against ``python -m ui``
served on 127.0.0.1, answering through a real OpenAI-compatible server (tests/openai_stub.py) that
streams a word every ``DELAY`` seconds, slow enough to see the sources arrive before the answer ends.

Screenshots of the main states go to ``test-output/browser/``; with ``NEWSRAG_UPDATE_DOCS=1`` the
four the README shows or links are also written to ``docs/``.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
from typing import Any

from conftest import EVENT_S, STARTUP_S
import pytest

from rag.core.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from openai_stub import serve  # noqa: E402
from test_ui import free_port, wait_for_port  # noqa: E402

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)"),
              pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "browser"
DOCS = ROOT / "docs"
DELAY = 0.1
QUESTION = "Why did Iran attack Israel?"
# True once the newest answer is complete (no streaming cursor, no "searching"/"queued" placeholder).
ANSWERED = """(n) => { const b = document.querySelectorAll('#chat [data-testid=bot]');
  return b.length > n && !b[b.length - 1].querySelector('.streaming, .pending, .queued'); }"""


@pytest.fixture(scope="module")
def app(index_settings: Settings) -> Iterator[dict[str, Any]]:
    """The UI over a copy of the session index (uploads change it), answering through the stub LLM."""
    index = SHOTS / "index"  # under the repository, so the page shows a short relative path
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(index_settings.index_dir, index)
    with serve(delay=DELAY) as stub:
        port = free_port()
        env = {**os.environ, "NEWSRAG_OPENAI_BASE_URL": stub.base_url, "NEWSRAG_OPENAI_MODEL": "openai-stub",
               "NEWSRAG_REQUEST_TIMEOUT": "30", "GRADIO_ANALYTICS_ENABLED": "False"}
        SHOTS.mkdir(parents=True, exist_ok=True)
        log = (SHOTS / "server.log").open("w")  # a file, not a pipe nobody reads (a full pipe blocks the server)
        proc = subprocess.Popen([sys.executable, "-m", "ui", "--index-dir", str(index.relative_to(ROOT)),
                                 "--llm", "openai", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, text=True)
        try:
            wait_for_port(proc, port)
            yield {"url": f"http://127.0.0.1:{port}", "index": index, "stub": stub}
        finally:
            proc.terminate()
            proc.wait(timeout=EVENT_S)
            log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, app: dict[str, Any]) -> Iterator[Any]:
    """A fresh tab on the app that records every dialog and alert() call."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.add_init_script("window.__alerts = []; for (const f of ['alert', 'confirm', 'prompt'])"
                       " window[f] = (m) => { window.__alerts.push(String(m)); };")
    pg.goto(app["url"])
    pg.wait_for_selector("#question textarea", timeout=180_000)
    yield pg
    context.close()


def shot(pg: Any, name: str, docs: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / name))
    if docs and os.environ.get("NEWSRAG_UPDATE_DOCS") == "1":
        shutil.copyfile(SHOTS / name, DOCS / name)


def bots(pg: Any) -> Any:
    return pg.locator("#chat [data-testid=bot]")


def ask(pg: Any, question: str, wait: bool = True) -> Any:
    """Type and send a question; with ``wait``, return the completed answer bubble."""
    before = bots(pg).count()
    pg.fill("#question textarea", question)
    pg.click("#ask")
    if wait:
        try:
            pg.wait_for_function(ANSWERED, arg=before, timeout=180_000)
        except playwright_api.TimeoutError:
            shot(pg, "timeout.png")
            raise
    return bots(pg).last


def test_sources_show_before_the_answer_completes_and_citations_lead_to_cards(page: Any) -> None:
    assert "openai: openai-stub" in page.inner_text("#llm-name")
    ask(page, QUESTION, wait=False)
    page.wait_for_selector("#sources-panel .src-card", timeout=90_000)
    # The cards are there while the answer is still being written.
    assert bots(page).last.locator(".streaming, .pending").count() == 1
    assert bots(page).last.locator(".answer-refs").count() == 0
    card = page.locator("#src-1-1")
    assert "Joe Biden soutient" in card.inner_text() and "unknown outlet" in card.inner_text()
    page.wait_for_function(ANSWERED, arg=0, timeout=270_000)
    answer = bots(page).last
    assert answer.locator(".answer-refs li").count() >= 1
    assert page.locator("#src-1-1.cited mark.support").count() >= 1  # the supporting sentence, highlighted
    shot(page, "chat-with-sources.png", docs=True)

    page.locator("#sources-panel").evaluate("el => el.scrollTop = el.scrollHeight")  # card 1 out of sight
    answer.locator(".answer-text a.cite").first.click()
    target = answer.locator(".answer-text a.cite").first.get_attribute("href")
    followed = page.locator(".src-card.followed")
    assert followed.count() == 1 and "#" + followed.get_attribute("id") == target
    playwright_api.expect(followed).to_be_in_viewport()
    page.wait_for_timeout(400)  # the highlight fades in (CSS transition)
    shot(page, "citation-followed.png", docs=True)

    page.get_by_text("Copy the answer with its references").click()
    copy = page.input_value("#copy-answer textarea")
    assert copy.startswith(f"Q: {QUESTION}") and "References:" in copy and "[1]" in copy


def test_follow_up_question_is_understood_in_context(page: Any) -> None:
    ask(page, QUESTION)
    bubble = ask(page, "and what did the G7 say?")
    note = bubble.locator(".rewritten").inner_text()
    assert "G7" in note and "Iran" in note  # the stub LLM rewrote it using the first question
    assert page.locator("#src-2-1").count() == 1 and page.locator("details.turn-sources").count() == 1
    first_answer_link = bots(page).first.locator("a.cite").first
    first_answer_link.click()  # an earlier answer's citation opens its folded sources
    assert page.locator("details.turn-sources").get_attribute("open") is not None
    assert page.locator(".src-card.followed").get_attribute("id").startswith("src-1-")


def test_date_filter_that_excludes_the_sample_says_the_archive_does_not_cover_it(page: Any) -> None:
    page.fill("#date-from input", "2025-01-01")
    page.fill("#date-to input", "2025-12-31")
    bubble = ask(page, QUESTION)
    text = bubble.inner_text()
    assert "does not cover" in text and "from 2025-01-01; to 2025-12-31" in text
    assert page.locator("#sources-panel .src-card").count() == 0
    shot(page, "filters.png", docs=True)
    page.fill("#date-from input", "")
    page.fill("#date-to input", "")
    assert "does not cover" not in ask(page, QUESTION).inner_text()  # the same question, unfiltered
    assert page.locator("#sources-panel .current .src-card").count() >= 1


def test_the_period_a_question_names_is_shown_and_the_reader_can_turn_it_off(page: Any) -> None:
    # The sample article is from 2024: "this week" (of today) holds nothing.
    bubble = ask(page, "Why did Iran attack Israel this week?")
    assert "Read “this week” as" in bubble.inner_text() and "Nothing in the archive published between" in \
        bubble.inner_text()
    page.locator("#question-dates input").uncheck()
    bubble = ask(page, "Why did Iran attack Israel this week?")
    assert "Read “this week”" not in bubble.inner_text() and "Nothing in the archive" not in bubble.inner_text()
    assert "the question's own dates not read" not in bubble.inner_text()  # said only when nothing is found
    assert page.locator("#sources-panel .current .src-card").count() >= 1


def test_stop_button_ends_an_answer(page: Any) -> None:
    ask(page, QUESTION, wait=False)
    page.wait_for_selector("#chat .streaming", timeout=90_000)
    page.click("#stop")
    page.wait_for_function("() => document.querySelector('#status').innerText.includes('Stopped.')",
                           timeout=60_000)
    stopped = bots(page).last
    assert "(stopped)" in stopped.inner_text() and stopped.locator(".streaming").count() == 0
    assert len(stopped.inner_text()) < 200  # the stub writes ~70 words at 10/s: it was cut short
    assert "Etna" in ask(page, "Why did Catania airport close?").inner_text()  # the chat still works


def test_upload_a_malformed_file_and_a_good_one(page: Any, app: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"title": "no closing brace"\n', encoding="utf-8")
    good = tmp_path / "bogor.txt"
    good.write_text("Corpse flower blooms in Bogor Botanical Gardens\n\nA rare corpse flower bloomed on Tuesday in "
                    "the Bogor Botanical Gardens, drawing thousands of visitors.\n", encoding="utf-8")
    page.get_by_role("tab", name="Archive").click()
    page.wait_for_selector("#archive-summary table")
    assert "5 (7 passages)" in page.inner_text("#archive-summary")
    page.set_input_files("#upload input[type=file]", [str(bad), str(good)])
    page.wait_for_selector("#upload td.filename[aria-label='bogor.txt']", timeout=270_000)  # uploaded
    page.click("#add-files")
    page.wait_for_selector("#upload-result table", timeout=270_000)
    rows = page.locator("#upload-result tr").all_inner_texts()
    assert "broken.jsonl" in rows[0] and "not added" in rows[0] and "invalid JSON" in rows[0]
    assert "bogor.txt" in rows[1] and "✓ added" in rows[1] and "1 article" in rows[1]
    page.wait_for_function("() => document.querySelector('#archive-summary').innerText.includes('6 (8 passages)')")
    shot(page, "archive-panel.png", docs=True)
    assert (app["index"] / "uploads" / "bogor.txt").exists()
    page.get_by_role("tab", name="Chat").click()
    ask(page, "What bloomed in the Bogor Botanical Gardens?")
    assert "Corpse flower blooms" in page.inner_text("#src-1-1 .src-title")


def test_untrusted_article_shows_as_text_and_runs_nothing(page: Any) -> None:
    assert "<img" not in page.inner_text(".gradio-container")  # not offered as an example question
    bubble = ask(page, "What did the city council approve on Main Street?")
    assert page.inner_text("#src-1-1 .src-title") == "<img src=x onerror=alert(1)>"
    assert "<script>alert(3)</script>" in page.inner_text("#src-1-1 .passage")
    # The answer quotes the article's statement, never the sentence telling the reader's assistant what to do.
    assert "bicycle lane" in bubble.inner_text() and "Ignore all previous" not in bubble.inner_text()
    assert "<img src=x onerror=alert(1)>" in bubble.locator(".answer-refs").inner_text()
    assert page.locator("img[src=x]").count() == 0 and page.locator("a[href^='javascript']").count() == 0
    assert not page.evaluate("[...document.scripts].some(s => s.textContent.includes('alert(3)'))")
    page.get_by_role("tab", name="Archive").click()
    assert "evil.test" in page.inner_text("#archive-summary")
    page.wait_for_timeout(500)  # give any injected handler time to fire
    assert page.dialogs == [] and page.evaluate("window.__alerts") == []


def test_like_with_a_comment_is_saved_for_evaluation(page: Any, app: dict[str, Any]) -> None:
    ask(page, "Why did Catania airport close?")
    page.locator("#chat button[title='Like']").last.click()
    page.wait_for_selector("#feedback-comment textarea", state="visible", timeout=60_000)
    page.fill("#feedback-comment textarea", "Right source, good answer")
    page.click("#feedback-send")
    page.wait_for_function("() => document.querySelector('#feedback-note').innerText.includes('saved')")
    rows = [json.loads(line) for line in (app["index"] / "feedback.jsonl").read_text().splitlines()]
    last = rows[-1]
    assert last["rating"] == "up" and last["comment"] == "Right source, good answer"
    assert last["question"] == "Why did Catania airport close?"
    assert last["citations"][0]["source"] == "example-news.test"
    assert last["llm"].startswith("openai: openai-stub") and last["filters"]["as_of"]


def test_a_reindex_by_another_process_while_chatting(page: Any, app: dict[str, Any], tmp_path: Path) -> None:
    """The live archive: scripts/reindex.py adds an article to the index the UI serves while a question is
    being answered; nothing fails, and without a reload the header, the example questions and the
    answers follow the new article."""
    page.wait_for_selector("#freshness")
    assert "2025-06-09" not in page.inner_text("#freshness")
    source = tmp_path / "zoo.jsonl"
    source.write_text(json.dumps({
        "id": "t-pandas", "title": "Zoo welcomes twin pandas", "source": "example-news.test",
        "published": "2025-06-09", "language": "en",
        "text": "The city zoo welcomed twin giant pandas born overnight, keepers said on Tuesday. The cubs "
                "weigh 150 grams each and will stay with their mother."}) + "\n", encoding="utf-8")
    reindex = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "reindex.py"), "--index-dir", str(app["index"]),
                                "--quiet", str(source)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        during = ask(page, QUESTION)  # answered while the other process writes
        assert "Could not answer" not in during.inner_text() and "Damas" in page.inner_text("#sources-panel")
        out, _ = reindex.communicate(timeout=STARTUP_S)
    finally:
        if reindex.poll() is None:
            reindex.kill()
    assert reindex.returncode == 0 and "added 1" in out, out
    page.wait_for_function("() => document.querySelector('#freshness').innerText.includes('2025-06-09')",
                           timeout=540_000)  # the page's timer noticed the change: no reload
    assert "Zoo welcomes twin pandas" in page.inner_text("#examples")
    bubble = ask(page, "How much do the panda cubs weigh?")
    assert "Could not answer" not in bubble.inner_text()
    assert "Zoo welcomes twin pandas" in page.locator("#sources-panel .current .src-card.cited").first.inner_text()
    shot(page, "live-reindex.png")

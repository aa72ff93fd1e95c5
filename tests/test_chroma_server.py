"""The same index and pipeline against a real Chroma server on 127.0.0.1 (NEWSRAG_CHROMA_HOST)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import time

from conftest import EVENT_S, STARTUP_S
import pytest

from rag.core.settings import Settings
from rag.factory import build_pipeline
from rag.index.indexer import reindex

CHROMA = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not Path(CHROMA).exists():
        pytest.skip("the chroma CLI is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen([CHROMA, "run", "--path", str(tmp_path_factory.mktemp("chroma-server")), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + STARTUP_S
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=EVENT_S)


def test_index_and_answer_through_a_chroma_server(chroma_port: int, archive_dir: Path, tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "local-side", chroma_host="127.0.0.1", chroma_port=chroma_port,
                        collection="news-server", llm="extractive")
    first = reindex(settings, [archive_dir])
    assert first.added == 5 and first.total_chunks > 5
    assert reindex(settings, [archive_dir]).unchanged == 5
    # Nothing was written locally: the chunks live in the server.
    assert not (tmp_path / "local-side" / "chroma.sqlite3").exists()
    answer = build_pipeline(settings).ask("Why did Iran attack Israel?")
    assert not answer.abstained and answer.citations[0].title.startswith("Joe Biden")


def test_server_collections_search_with_ef_search_400(chroma_port: int, tmp_path: Path) -> None:
    import chromadb

    from rag.index.store import ChunkStore, EF_SEARCH

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_port,
                                 settings=chromadb.Settings(anonymized_telemetry=False))

    def server_ef_search(name: str) -> int:
        return int(client.get_collection(name).configuration_json["hnsw"]["ef_search"])

    created = Settings(index_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_port, collection="news-ef-new")
    assert ChunkStore(created, "some-embedder", 3, create=True).ef_search() == EF_SEARCH == 400
    assert server_ef_search("news-ef-new") == 400

    # A collection the server made with Chroma's defaults is raised when the project opens it.
    client.create_collection("news-ef-old", metadata={"hnsw:space": "cosine", "embedder": "some-embedder"},
                             embedding_function=None)
    assert server_ef_search("news-ef-old") == 100
    old = Settings(index_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_port, collection="news-ef-old")
    assert ChunkStore(old, "some-embedder", 3).ef_search() == 400
    assert server_ef_search("news-ef-old") == 400

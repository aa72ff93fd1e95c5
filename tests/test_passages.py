"""Which passages of a found article are shown (``rag.retrieve.passages``), on a real index of a round-up."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from conftest import write_jsonl
import pytest

from rag.core.settings import Settings
from rag.core.types import Hit
from rag.index.indexer import reindex

# A round-up written for this test, one short section per winner (one chunk each at 40 tokens): every
# section is about the same night, only one says who won the seafood chef's prize for the first time.
SECTIONS = [
    "The Harbour Awards night opened with a tribute to the fishing fleet. The mayor praised the "
    "restaurants of the old port and the crowd applauded the harbour's sailors for a long time.",
    "Mira Olsen won the prize for the best new restaurant of the harbour, her third award in five "
    "years, for a small dining room above the ferry terminal that seats twenty guests.",
    "Tomas Berg took home his first Harbour Award for best seafood chef, after eleven years behind "
    "the stove of a fish kitchen on the north quay, and thanked his mother and his fishmongers.",
    "The evening closed late with music on the quay. Organisers said next year's ceremony would move "
    "to the new concert hall, which opens in the spring on the south side of the bay.",
]
ROUNDUP = {"id": "roundup", "title": "Harbour Awards night: the winners", "source": "harbour.test",
           "published": "2025-06-09", "language": "en", "text": "\n\n".join(SECTIONS)}


@pytest.fixture(scope="module")
def roundup(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The retriever and store of a real index holding the round-up, cut one section to a chunk."""
    from rag.index.store import ChunkStore
    from rag.models.embedding import embedder_for

    archive: Path = tmp_path_factory.mktemp("roundup")
    write_jsonl(archive / "roundup.jsonl", [ROUNDUP])
    settings = Settings(index_dir=tmp_path_factory.mktemp("roundup-index"), llm="extractive",
                        chunk_tokens=40, chunk_overlap=0)
    assert reindex(settings, [archive]).added == 1
    embedder = embedder_for(settings)
    return embedder, ChunkStore(settings, embedder.name, embedder.dim)


def _first_section_only(embedder: Any, store: Any, question: str, picked: bool) -> list[str]:
    """The retriever's passages when its only candidate is the round-up's opening section."""
    from rag.query.question import analyse
    from rag.retrieve.channels import Channel
    from rag.retrieve.gate import Gate
    from rag.retrieve.passages import PassagePicker
    from rag.retrieve.retriever import Retriever

    class Opening(Channel):
        def search(self, query, near):  # type: ignore[no-untyped-def]
            return store.hits_for(["roundup#0"], near.vector)

    retriever = Retriever(embedder, [Opening()], Gate(0.0, 1.0), top_k=1, per_article=1,
                          picker=PassagePicker(store) if picked else None)
    return [h.text for h in retriever.find(analyse(question)).hits]


def test_the_section_holding_the_questions_words_is_shown_not_the_one_the_search_put_first(roundup: Any) -> None:
    embedder, store = roundup
    assert [h.text for h in store.hits_for([f"roundup#{i}" for i in range(5)], embedder.embed_query("x"))] == SECTIONS
    question = "Who took home his first Harbour Award for best seafood chef?"
    assert _first_section_only(embedder, store, question, picked=False) == [SECTIONS[0]]
    assert _first_section_only(embedder, store, question, picked=True) == [SECTIONS[2]]


def test_the_gate_reads_the_searchs_score_whichever_passage_is_shown(roundup: Any) -> None:
    from rag.query.question import analyse
    from rag.retrieve.passages import PassagePicker

    embedder, store = roundup
    question = analyse("Who took home his first Harbour Award for best seafood chef?")
    vector = embedder.embed_query(question.searched)
    nearest = store.query(vector, 10)
    found = [replace(store.hits_for(["roundup#0"], vector)[0], relevance=0.95)]
    [shown] = PassagePicker(store).pick(question, found, lambda: nearest)
    assert (shown.text, shown.gate_score) == (SECTIONS[2], 0.95)


def test_a_question_in_another_language_keeps_the_passages_the_search_chose(roundup: Any) -> None:
    embedder, store = roundup
    # Across languages the article shares only its names with the question: no evidence of which
    # section answers, so the search's choice stands.
    question = "Qui a remporté son premier Harbour Award du meilleur chef de la mer ?"
    assert _first_section_only(embedder, store, question, picked=True) == [SECTIONS[0]]


def test_passages_of_other_articles_and_their_places_are_kept(roundup: Any) -> None:
    from rag.query.question import analyse
    from rag.retrieve.passages import PassagePicker

    _, store = roundup
    question = analyse("Which seafood chef won a prize?")
    single = Hit("one#0", "one", "A single-chunk story about a seafood chef.", 0.9, "t", language="en")
    french = Hit("fr#2", "fr", "Un chef de la mer primé.", 0.8, "t", language="fr")
    french_too = replace(french, chunk_id="fr#0", text="Le chef de la mer a gagné un prix de seafood.")
    nearest = [single, french, french_too]
    assert PassagePicker(store).pick(question, [single, french], lambda: nearest) == [single, french]

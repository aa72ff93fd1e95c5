"""The headline question against the French seed article together with English coverage of the same
days, in three languages, with the real bundled model (slow).

The English articles are written for the test (our own words): several on the attack, and one that
states its reason only inside a clause of a longer sentence about something else."""

from __future__ import annotations

from typing import Any

from conftest import SAMPLE, write_jsonl
import pytest

from rag.core.settings import Settings
from rag.factory import build_pipeline
from rag.index.indexer import reindex

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.llm

COVERAGE = [
    {"id": "w-attack", "title": "Iran fires drones and missiles at Israel", "source": "wire.test",
     "published": "2024-04-14", "language": "en",
     "text": "Iran launched more than 300 drones and missiles at Israel late on Saturday, the first time it has "
             "attacked Israeli territory directly. Israel's military said nearly all of them were intercepted, "
             "with help from the United States and Britain. A young girl was injured in the south of the country."},
    {"id": "w-senate", "title": "Senators weigh aid after the strikes", "source": "capitol.test",
     "published": "2024-04-15", "language": "en",
     "text": "Senators returned to Washington on Monday as the attack on Israel revived the debate over a foreign "
             "aid package. One senator said the strikes showed that the region was more dangerous than ever and "
             "that the House should vote on the bill this week."},
    {"id": "w-markets", "title": "Oil edges up as diplomats urge restraint", "source": "markets.test",
     "published": "2024-04-15", "language": "en",
     "text": "Oil prices rose slightly on Monday, and diplomats, who had warned for days that Tehran would respond "
             "to the Israeli strike on its embassy compound in Damascus that killed two generals, urged restraint "
             "on all sides. Traders said the market had already priced in a limited exchange."},
]

WHY = {"en": "Why did Iran attack Israel?", "fr": "Pourquoi l'Iran a-t-il attaqué Israël ?",
       "id": "Mengapa Iran menyerang Israel?"}

@pytest.fixture(scope="module")
def covered(tmp_path_factory: pytest.TempPathFactory) -> Any:
    d = tmp_path_factory.mktemp("covered")
    (d / "seed.txt").write_bytes((SAMPLE / "biden-israel-iran.fr.txt").read_bytes())
    write_jsonl(d / "wire.jsonl", COVERAGE)
    settings = Settings(index_dir=d / "index", llm="local", temperature=0.0)
    reindex(settings, [d])
    pipeline = build_pipeline(settings)
    pipeline.load()
    return pipeline


@pytest.mark.parametrize("language", sorted(WHY))
def test_why_did_iran_attack_israel_names_the_strike_in_damascus(covered: Any, language: str) -> None:
    answer = covered.ask(WHY[language])
    assert not answer.abstained, answer.text
    direct = answer.direct
    assert direct is not None, answer.text
    assert "damas" in f"{direct.text} {direct.translation}".lower(), answer.to_dict()["sentences"]
    assert direct.text in direct.evidence and direct.state == "quoted"  # the source's own words


def test_the_wire_clause_is_a_direct_answer_source() -> None:
    # Without the seed, the English coverage alone answers through the clause of the markets story.
    from rag.answer.pick import reason_clause

    clause = reason_clause(COVERAGE[2]["text"].split(". ")[0])
    assert clause and clause.startswith("respond to the Israeli strike on its embassy compound in Damascus")

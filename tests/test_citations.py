from rag.core.types import Hit
from rag.verify.citations import add_missing_markers, markers, normalise_markers, resolve, split_answer_sentences


def _hits() -> list[Hit]:
    return [Hit("a#0", "a", "Iran launched drones and missiles against Israel on Saturday night.", 0.9, "A",
                source="one.test", published="2024-04-14", url="https://one.test/a"),
            Hit("b#1", "b", "Tehran had vowed to retaliate for the strike on its embassy compound in Damascus.",
                0.8, "B", source="two.test")]


def test_marker_variants_are_normalised_and_out_of_range_ones_dropped() -> None:
    text = "Iran attacked [Passage 1, 2]. It was revenge 【2】. Made up [7]. Also [source 1][3] ."
    assert normalise_markers(text, 2) == "Iran attacked [1][2]. It was revenge [2]. Made up. Also [1]."
    assert markers("a [1] b [2, 3] c [1]") == [1, 2, 3, 1]


def test_resolve_maps_markers_to_passages_in_first_cited_order() -> None:
    text, cites = resolve("Tehran retaliated for Damascus [2]. Drones were launched [1]. Again [2].", _hits(),
                          repair=False)
    assert [c.n for c in cites] == [2, 1]
    assert cites[0].article_id == "b" and cites[0].passage.startswith("Tehran")
    assert cites[1].url == "https://one.test/a" and cites[1].published == "2024-04-14"
    assert text.endswith("Again [2].")


def test_missing_markers_are_added_only_when_a_passage_clearly_supports_the_sentence() -> None:
    text = add_missing_markers("Iran launched drones and missiles against Israel. The moon is made of cheese.",
                               _hits())
    assert text == "Iran launched drones and missiles against Israel [1]. The moon is made of cheese."


def test_semantic_support_adds_a_cross_lingual_marker() -> None:
    # A French answer sentence shares no words with the English passage; the support function decides.
    text = add_missing_markers("L'ambassade à Damas avait été frappée.", _hits(), support=lambda s: (2, 0.9))
    assert text == "L'ambassade à Damas avait été frappée [2]."
    weak = add_missing_markers("L'ambassade à Damas avait été frappée.", _hits(), support=lambda s: (2, 0.5))
    assert markers(weak) == []


def test_answer_sentences_keep_their_markers() -> None:
    assert split_answer_sentences("One. [1] Two [2]. Three?") == ["One. [1]", "Two [2].", "Three?"]


def test_a_sentence_that_asks_is_never_chosen_as_an_answer() -> None:
    from rag.answer.select import select_sentences
    from rag.retrieve.sentences import Sentence

    scored = [Sentence(1, 0, "What type of plane crashed in India?", 0.95),
              Sentence(1, 1, "Could a prize be ‘Blowin’ in the Wind,’ too?", 0.93),
              Sentence(1, 2, "Air India flight 171 was bound for London.", 0.90),
              Sentence(2, 0, "“Why now?” she asked, as the crash site was cleared.", 0.85)]
    # The subheading and the rhetorical question match the question's words best; neither answers.
    assert [s.text for s in select_sentences(scored, 2)] == [
        "Air India flight 171 was bound for London.", "“Why now?” she asked, as the crash site was cleared."]


def test_the_picked_sentence_leads_and_the_closest_ones_all_follow() -> None:
    from types import SimpleNamespace

    from rag.answer.quoting import QuotingAnswerer
    from rag.retrieve.sentences import Sentence

    close, aside, closer, picked = (Sentence(1, 0, "A.", 0.95), Sentence(1, 5, "B.", 0.80),
                                    Sentence(2, 0, "C.", 0.90), Sentence(3, 0, "D.", 0.70))
    sentences = SimpleNamespace(scored=lambda _: [close, aside, closer, picked], scored_headlines=lambda _: [],
                                paraphrases=lambda _: None)
    answerer = QuotingAnswerer("local", lambda: None, verifier=None, pick_from=8)  # type: ignore[arg-type]
    chosen = answerer._chosen(SimpleNamespace(searched="Which?"), sentences, picked)  # type: ignore[arg-type]
    # None of the closest gives way to the pick: the model's phrase may be wrong, and then the one it
    # would displace is the answer. They follow in reading order.
    assert [s.text for s in chosen] == ["D.", "A.", "B.", "C."]
    chosen = answerer._chosen(SimpleNamespace(searched="Which?"), sentences, aside)  # type: ignore[arg-type]
    assert [s.text for s in chosen] == ["B.", "A.", "C."]  # already among them: it only moves first
    assert [s.text for s in answerer._chosen(SimpleNamespace(searched="Which?"), sentences)] == ["A.", "B.", "C."]  # type: ignore[arg-type]


def test_a_headline_is_quotable_without_its_outlet_and_never_when_it_asks() -> None:
    from rag.retrieve.sentences import quotable_headline

    assert quotable_headline("Dog show live results: giant schnauzer wins Best in Show") == (
        "Dog show live results: giant schnauzer wins Best in Show")
    assert quotable_headline("'Goblin mode' is the 2022 word of the year | CNN") == (
        "'Goblin mode' is the 2022 word of the year")
    assert quotable_headline("Is the FEMA chief unaware of hurricane season?") is None
    assert quotable_headline("Who won the Super Bowl in 2024? Revisiting the Chiefs' win") is None
    assert quotable_headline("Live updates") is None

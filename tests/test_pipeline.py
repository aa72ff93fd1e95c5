"""Pipeline over a real index (real embedder, real Chroma) with a recording fake chat model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
import numpy as np
import pytest

from rag.core.events import Done, Retrieved, Token
from rag.core.settings import Settings
from rag.core.types import Filters, Hit, Window
from rag.factory import build_pipeline
from rag.index.lexical import LexicalIndex
from rag.pipeline import Pipeline
from rag.query.names import names_in
from rag.query.question import relative_window
from rag.retrieve.channels import LexicalChannel

SEED_ID = None  # the sample's id is derived from its content; found by title below


class RecordingChat(GenericFakeChatModel):
    """Streams a fixed reply word by word and records the prompts it was given."""

    prompts: list[list[BaseMessage]] = []

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Iterator[Any]:
        self.prompts.append(messages)
        return super()._stream(messages, *args, **kwargs)


def fake(reply: str) -> RecordingChat:
    return RecordingChat(messages=iter([AIMessage(content=reply)] * 5), prompts=[])


def pipeline(settings: Settings, reply: str = "", **overrides: Any) -> Pipeline:
    # Free synthesis, unchecked: these tests are about the prompt and the citation markers.
    s = settings.model_copy(update={"llm": "local", "answer_style": "synthesis", "verify_answers": False,
                                    **overrides})
    return build_pipeline(s, chat_model=fake(reply))


def test_seed_question_retrieves_the_sample_article_across_languages(index_settings: Settings) -> None:
    p = pipeline(index_settings)
    hits = p.retrieve("Why did Iran attack Israel?")
    assert hits[0].title.startswith("Joe Biden soutient")
    assert hits[0].language == "fr" and hits[0].published is None


def test_stream_yields_sources_before_tokens_and_maps_citations(index_settings: Settings) -> None:
    p = pipeline(index_settings, "Iran answered the strike on its embassy in Damascus [1]. Invented [9].")
    events = list(p.stream("Why did Iran attack Israel?"))
    assert isinstance(events[0], Retrieved) and events[0].hits
    assert all(isinstance(e, Token) for e in events[1:-1]) and len(events) > 3
    answer = events[-1].answer
    assert isinstance(events[-1], Done) and not answer.abstained
    assert answer.text.endswith("Invented.")  # the marker to a passage that does not exist is dropped
    assert [c.n for c in answer.citations] == [1]
    assert answer.citations[0].title.startswith("Joe Biden") and "Damas" in " ".join(h.text for h in answer.hits)
    d = answer.to_dict()
    assert set(d) >= {"answer", "abstained", "citations", "retrieved", "timings"}
    assert set(d["citations"][0]) >= {"n", "article_id", "title", "source", "published", "url", "passage"}
    assert set(d["timings"]) >= {"retrieval", "generation", "total"}


def test_prompt_numbers_and_labels_passages_and_asks_for_the_question_language(index_settings: Settings) -> None:
    p = pipeline(index_settings, "Réponse [1].")
    p.ask("Pourquoi l'Iran a-t-il attaqué Israël ?")
    system, user = p.answerer.model().prompts[-1]
    assert "French" in system.content and "NOT_IN_ARCHIVE" in system.content
    assert "[1] unknown outlet — undated — Joe Biden soutient" in user.content
    assert user.content.count("Pourquoi l'Iran a-t-il attaqué Israël ?") == 2


def test_off_topic_question_abstains_without_calling_the_llm(index_settings: Settings) -> None:
    p = pipeline(index_settings, "should not be used")
    answer = p.ask("What is the recipe for banana bread?")
    assert answer.abstained and "does not cover" in answer.text
    assert p.answerer.model().prompts == []


def test_model_saying_not_in_archive_is_an_abstention_in_the_question_language(index_settings: Settings) -> None:
    p = pipeline(index_settings, "NOT_IN_ARCHIVE")
    answer = p.ask("Mengapa terjadi banjir di Jakarta Utara?")
    assert answer.abstained and answer.language == "id" and answer.text.startswith("Arsip")


def test_date_filter_that_excludes_the_sample_gives_no_answer(index_settings: Settings) -> None:
    p = pipeline(index_settings, "should not be used")
    answer = p.ask("Why did Iran attack Israel?", Filters(date_from="2025-01-01"))
    assert all(h.published and h.published >= "2025-01-01" for h in p.retrieve("Iran", Filters(date_from="2025-01-01")))
    assert answer.abstained and p.answerer.model().prompts == []


def test_language_and_source_filters_apply_to_retrieval(index_settings: Settings) -> None:
    p = pipeline(index_settings)
    assert {h.language for h in p.retrieve("news", Filters(languages=("id",)))} == {"id"}
    assert {h.source for h in p.retrieve("news", Filters(sources=("exemple.test",)))} == {"exemple.test"}


def test_this_week_is_relative_to_as_of(index_settings: Settings) -> None:
    w = relative_window("Which volcano erupted this week?", "2025-06-05")
    assert w is not None and (w.start, w.end, w.phrase) == ("2025-05-29", "2025-06-05", "this week")
    assert relative_window("Quel volcan cette semaine ?", None) is None
    p = pipeline(index_settings)
    hits = p.retrieve("Which volcano erupted this week?", Filters(as_of="2025-06-05"))
    assert [h.article_id for h in hits] == ["t-volcano"]
    # as_of also hides what was published after it.
    assert "t-volcano" not in {h.article_id for h in p.retrieve("volcano", Filters(as_of="2025-05-01"))}


def test_this_week_question_with_only_older_coverage_is_declined_and_lists_it(index_settings: Settings) -> None:
    # The Etna story is from 2025-06-02: asked on 2025-07-20, "this week" cannot be answered from it.
    p = pipeline(index_settings, "Etna erupted [1].")
    events = list(p.stream("Which volcano erupted this week?", Filters(as_of="2025-07-20")))
    answer = events[-1].answer
    assert answer.abstained and not answer.citations and p.answerer.model().prompts == []
    assert "2025-07-13" in answer.text and "2025-07-20" in answer.text and "2025-06-02" in answer.text
    assert "this week" in answer.text  # it says how to get the older story answered
    assert [h.article_id for h in events[0].hits][:1] == ["t-volcano"]  # listed for the reader
    fr = p.ask("Quel volcan est entré en éruption cette semaine ?", Filters(as_of="2025-07-20"))
    assert fr.abstained and fr.text.startswith("Aucun article") and "cette semaine" in fr.text
    # Inside the week it is answered; and without the time expression the older story is used.
    assert not p.ask("Which volcano erupted this week?", Filters(as_of="2025-06-05")).abstained
    assert not p.ask("Which volcano erupted?", Filters(as_of="2025-07-20")).abstained


def test_a_question_for_recent_news_answered_from_old_coverage_says_how_old(index_settings: Settings) -> None:
    p = build_pipeline(index_settings)  # extractive: the note comes before the quotes
    old = p.ask("Which volcano erupted recently?", Filters(as_of="2025-08-01"))
    assert not old.abstained and "t-volcano" in {c.article_id for c in old.citations}
    assert old.text.startswith("The newest source quoted is from 2025-06-02, 60 days before 2025-08-01:")
    assert old.note.startswith("The newest source quoted")
    fr = p.ask("Quel volcan est entré en éruption récemment ?", Filters(as_of="2025-08-01"))
    assert fr.text.startswith("La source citée la plus récente date du 2025-06-02"), fr.text
    # Fresh coverage, or a question not asking for the latest: no note.
    assert not p.ask("Which volcano erupted recently?", Filters(as_of="2025-06-20")).note
    assert not p.ask("Which volcano erupted?", Filters(as_of="2025-08-01")).note


def test_a_pasted_sentence_is_not_narrowed_to_the_askers_week(index_settings: Settings) -> None:
    p = pipeline(index_settings, "Etna erupted [1].")
    sentence = "Etna erupted on Monday and ash closed the airport in Catania."
    assert relative_window(sentence, "2025-07-20") is None
    assert not p.ask(sentence, Filters(as_of="2025-07-20")).abstained


def test_names_channel_finds_exact_names() -> None:
    assert names_in("Which Italian volcano, Etna or Stromboli, erupted on Monday?")[:3] == ["Stromboli", "Italian",
                                                                                           "Monday"] or \
        "Stromboli" in names_in("Which Italian volcano, Etna or Stromboli, erupted on Monday?")


def test_extractive_answer_cites_the_sentence_about_damascus(index_settings: Settings) -> None:
    answer = build_pipeline(index_settings).ask("Why did Iran attack Israel?")
    assert not answer.abstained and answer.citations
    assert "Damas" in answer.text and "[1]" in answer.text


def test_injected_instructions_are_fenced_as_data(index_settings: Settings) -> None:
    # Passages focused on their closest sentences (the default) leave the instruction out altogether ...
    p = pipeline(index_settings, "The council approved a bicycle lane [1].")
    p.ask("What did the city council approve?")
    system, user = p.answerer.model().prompts[-1]
    assert "not instructions" in system.content and "Ignore all previous" not in user.content
    assert "bicycle lane" in user.content
    # ... and whole passages carry it fenced as data.
    whole = pipeline(index_settings, "The council approved a bicycle lane [1].", focus_sentences=0)
    whole.ask("What did the city council approve?")
    system, user = whole.answerer.model().prompts[-1]
    assert user.content.index("<<<") < user.content.index("Ignore all previous") < user.content.index(">>>")


def bm25(p: Pipeline) -> LexicalIndex:
    """The BM25 index of the pipeline's lexical channel."""
    return next(c.index for c in p.retriever.channels if isinstance(c, LexicalChannel))


def test_lexical_channel_finds_a_rare_word_and_keeps_dense_scores(index_settings: Settings) -> None:
    p = pipeline(index_settings, lexical_k=10)
    ids = bm25(p).search("Catania airport ash", 10)
    assert ids and ids[0].startswith("t-volcano")
    hits = p.retrieve("Catania airport ash")
    assert hits[0].article_id == "t-volcano" and 0.0 < hits[0].similarity <= 1.0
    # The same cosine as the dense channel gives, so the relevance gate treats both alike.
    dense = {h.chunk_id: h.similarity for h in p.store.query(p.embedder.embed_query("Catania airport ash"), 50)}
    assert abs(dense[hits[0].chunk_id] - hits[0].similarity) < 1e-4
    assert bm25(p).search("zzzqqq", 10) == []
    # A where clause restricts it like the dense channel.
    assert not [i for i in bm25(p).search("Etna", 10, {"language": {"$in": ["fr"]}})
                if i.startswith("t-volcano")]


def test_a_pasted_sentence_is_answered_with_its_source_without_the_llm(index_settings: Settings) -> None:
    p = pipeline(index_settings, "NOT_IN_ARCHIVE")
    answer = p.ask("A column of ash several kilometres high rose when Mount Etna in Sicily erupted.")
    assert not answer.abstained and p.answerer.model().prompts == []  # the model was not asked
    assert answer.citations and answer.citations[0].article_id == "t-volcano" and "Etna" in answer.text
    assert answer.llm == "extractive" and "first_token" not in answer.timings  # no LLM timings to count
    # A question of the same length still goes to the model (which here says it is not covered).
    assert p.ask("Which volcano in Sicily sent a column of ash several kilometres high?").abstained
    assert len(p.answerer.model().prompts) == 1


def test_out_of_window_reply_for_undated_passages_says_so(index_settings: Settings) -> None:
    from rag.decide.replies import out_of_window_message

    p = pipeline(index_settings)
    undated = [h for h in p.retrieve("Why did Iran attack Israel?") if not h.published]
    assert undated
    text = out_of_window_message("en", Window("2026-11-18", "2026-11-25", "this week"), undated)
    assert "are undated: ask again without" in text and "latest" not in text
    assert out_of_window_message("id", Window("2026-11-18", "2026-11-25", "minggu ini"), []).endswith("pertanyaan ini.")
    # A named past period ("in October"): the passages listed may be later coverage, not older.
    dated = [replace(undated[0], published="2026-11-20"), replace(undated[0], published="2026-10-02")]
    this_week = Window("2026-11-18", "2026-11-25", "this week")
    october = Window("2026-10-01", "2026-10-31", "in October")
    assert "are older (the latest from 2026-11-20)" in out_of_window_message("en", this_week, dated)
    assert "are from other dates (the latest from 2026-11-20)" in out_of_window_message("en", october, dated)
    assert "d'une autre période" in out_of_window_message("fr", october, dated)


def test_the_period_a_question_was_read_as_is_shown_and_typed_dates_replace_it(index_settings: Settings) -> None:
    from ui.render import answer_html

    p = pipeline(index_settings, "Etna erupted [1].")
    answer = p.ask("Which volcano erupted this week?", Filters(as_of="2025-06-05"))
    assert answer.window is not None and (answer.window.start, answer.window.end) == ("2025-05-29", "2025-06-05")
    assert answer.to_dict()["window"] == {"start": "2025-05-29", "end": "2025-06-05", "phrase": "this week"}
    assert "Read “this week” as 2025-05-29 to 2025-06-05" in answer_html(1, answer)
    # Asked long after: "this week" holds nothing, but dates typed in the filters replace the question's
    # own period, so the reader can point it at the week of the story.
    late = Filters(as_of="2025-07-20")
    assert p.ask("Which volcano erupted this week?", late).abstained
    typed = Filters(date_from="2025-06-01", date_to="2025-06-07", as_of="2025-07-20")
    answer = p.ask("Which volcano erupted this week?", typed)
    assert not answer.abstained and answer.window is None and answer.citations[0].article_id == "t-volcano"
    # Or the reader turns the question's own dates off: every date up to "as of" is searched.
    answer = p.ask("Which volcano erupted this week?", Filters(as_of="2025-07-20", question_dates=False))
    assert not answer.abstained and answer.window is None and answer.citations[0].article_id == "t-volcano"


def test_a_question_naming_what_no_passage_mentions_is_declined_and_says_what(index_settings: Settings) -> None:
    p = pipeline(index_settings, "Etna erupted [1].")
    english = Filters(languages=("en",))
    answer = p.ask("Did the Zorblax ash cloud close Catania airport?", english)
    assert answer.abstained and "“Zorblax”" in answer.text and p.answerer.model().prompts == []
    assert [h.article_id for h in answer.hits][:1] == ["t-volcano"]  # the closest passage is still listed
    fr = p.ask("Le nuage de cendres du Zorblax a-t-il fermé l'aéroport de Catane ?", english)
    assert not fr.abstained  # English passages for a French question: names change form, no check
    assert not p.ask("Did the ash cloud close Catania airport?", english).abstained
    off = pipeline(index_settings, "Etna erupted [1].", decline_unmentioned=False)
    assert not off.ask("Did the Zorblax ash cloud close Catania airport?", english).abstained


def test_a_question_asking_how_much_money_is_declined_when_the_passages_give_no_amount(
        index_settings: Settings) -> None:
    p = pipeline(index_settings, "Etna erupted [1].")
    english = Filters(languages=("en",))
    answer = p.ask("How much did the Etna eruption cost Catania airport?", english)
    assert answer.abstained and "give no amount of money" in answer.text and p.answerer.model().prompts == []
    assert [h.article_id for h in answer.hits][:1] == ["t-volcano"]  # the closest passage is still listed
    # Not a question of money; or one whose passage gives a sum (30 milliards d'euros), in any language.
    assert not p.ask("How much ash did Etna send up?", english).abstained
    assert not p.ask("De combien le budget 2025 réduit-il les dépenses publiques ?").abstained
    fr = p.ask("Combien l'éruption de l'Etna a-t-elle coûté à l'aéroport de Catane ?", english)
    assert fr.abstained and "ne donnent aucun montant" in fr.text
    off = pipeline(index_settings, "Etna erupted [1].", decline_no_amount=False)
    assert not off.ask("How much did the Etna eruption cost Catania airport?", english).abstained


def test_what_asks_for_money_and_what_gives_it_in_three_languages() -> None:
    from rag.languages import asks_money, gives_money

    asks = ["How much did Spain fine Airbnb?", "How much will it cost to rebuild the lodge?",
            "Combien Paramount a-t-il accepté de payer ?", "Combien d'argent a-t-il levé ?",
            "Berapa biaya pembangunan kembali?", "Berapa dolar per anak yang disetorkan?",
            "Une figurine a été vendue aux enchères pour combien ?", "Terjual di lelang dengan harga berapa?"]
    other = ["How much rain fell in Valencia?", "How many people died?", "Combien de pays ont signé ?",
             "Combien de prix a-t-il remportés ?", "Berapa orang yang tewas?", "Who paid the fine?"]
    assert all(asks_money(q) for q in asks) and not any(asks_money(q) for q in other)
    assert all(gives_money(t) for t in ["$16 million", "about 3.7 cents", "30 milliards d'euros", "Rp 5 juta",
                                        "1,2 juta dolar", "€40m"])
    assert not any(gives_money(t) for t in ["more than 65,000 listings", "the 1932 fire", "3.2 billion pennies"])


def test_a_pasted_sentence_is_found_by_its_closest_sentence_or_declined(index_settings: Settings) -> None:
    p = pipeline(index_settings, "should not be used")
    # The French budget story, pasted in English: its sentence matches though whole passages may not.
    found = p.ask("Parliament adopted the state budget for 2025 on Thursday after months of debate.")
    assert not found.abstained and [c.article_id for c in found.citations][:1] == ["t-budget"], found.text
    assert found.text.startswith("Le Parlement a adopté jeudi le budget")  # the match, not filler
    absent = p.ask("The central bank raised interest rates by half a point to fight inflation in the euro area.")
    assert absent.abstained and "No sentence of the archive matches this one" in absent.text
    assert absent.hits  # the closest passages are still listed
    assert p.answerer.model().prompts == []  # lookups never reach the LLM


class _Flat:
    """An embedder for which every text is equally close: only the bonuses of ``scored`` order sentences."""

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4)) / 2

    def embed_query(self, text: str) -> np.ndarray:
        return np.ones(4) / 2


def test_shared_words_count_across_accents_so_a_french_source_is_not_behind_an_english_one() -> None:
    from rag.retrieve.sentences import PassageSentences

    hits = [Hit("en#0", "en", "Iran struck the region on Saturday night.", 0.9, "en"),
            Hit("fr#0", "fr", "L'Iran a frappé Israël samedi soir.", 0.9, "fr")]
    scored = PassageSentences(hits, _Flat()).scored("Why did Iran strike Israel?")  # type: ignore[arg-type]
    by_passage = {s.n: s.score for s in scored}
    # "Israël" and "Israel" are one word: the French sentence shares two words, the English one only "Iran",
    # which outweighs the English passage's higher rank.
    assert by_passage[2] > by_passage[1]


def test_the_sentence_after_a_why_heading_restating_the_question_is_its_answer() -> None:
    from rag.answer.select import select_sentences
    from rag.retrieve.sentences import PassageSentences

    hits = [Hit("a#0", "a", "The council closed the harbour bridge on Tuesday.\n"
                "Why did the council close the harbour bridge?\nEngineers found deep cracks in two supports.\n"
                "What did the council decide next?\nShops nearby fear losing trade.", 0.9, "a")]
    question = "Why did the council close the harbour bridge?"
    scored = {s.text: s.score for s in PassageSentences(hits, _Flat()).scored(question)}  # type: ignore[arg-type]
    heading_text = "Why did the council close the harbour bridge?"
    heading = scored[heading_text]
    assert scored["Engineers found deep cracks in two supports."] == heading
    # A heading asking something else lends nothing, and none lends to a question that does not ask why.
    assert scored["Shops nearby fear losing trade."] < heading
    shown = select_sentences(list(PassageSentences(hits, _Flat()).scored(question)), 2, 1)  # type: ignore[arg-type]
    assert [s.text for s in shown] == ["The council closed the harbour bridge on Tuesday.",
                                       "Engineers found deep cracks in two supports."]
    plain = {s.text: s.score
             for s in PassageSentences(hits, _Flat()).scored("Who closed the harbour bridge?")}  # type: ignore[arg-type]
    assert plain["Engineers found deep cracks in two supports."] < plain[heading_text]


def test_a_why_question_prefers_sentences_stating_a_cause_or_purpose_in_each_language() -> None:
    from rag.retrieve.sentences import PassageSentences, REASON_BONUS

    # The same question asked why and asked otherwise: a sentence stating a cause or purpose gains the
    # bonus, a plain one does not.
    cases = {
        ("Why did the chain change its policy?", "How did the chain change its policy?"): [
            "The change is designed to prioritise paying customers.", "The visit was postponed amid protests.",
            "The minister cited security risks.", "She resigned rather than follow the order."],
        ("Pourquoi la visite a-t-elle été reportée ?", "Quand la visite a-t-elle été reportée ?"): [
            "La visite a été reportée à cause des grèves.", "Le roi a renoncé afin d'éviter les manifestations."],
        ("Mengapa kunjungan itu ditunda?", "Kapan kunjungan itu ditunda?"): [
            "Kunjungan ditunda lantaran aksi protes meluas.", "Kunjungan ditunda dengan alasan keamanan."],
    }
    for (why, other), causes in cases.items():
        hits = [Hit(f"h{i}#0", f"h{i}", text, 0.9, "x") for i, text in enumerate([*causes, "Nothing happened today."])]
        sentences = PassageSentences(hits, _Flat())  # type: ignore[arg-type]
        gains = [a.score - b.score for a, b in zip(sentences.scored(why), sentences.scored(other))]
        assert gains == pytest.approx([REASON_BONUS] * len(causes) + [0.0]), why


def test_quotes_skip_another_outlets_rewrite_of_the_event_and_reach_the_reason(index_settings: Settings) -> None:
    from rag.answer.select import select_sentences
    from rag.retrieve.sentences import PassageSentences

    # Three outlets tell the event in nearly the same words; only one says why. Ranked by closeness to
    # the question, the three tellings come first and the reason fourth.
    hits = [Hit("a#0", "a", "The city council voted on Tuesday to close the old harbour bridge to all traffic. "
                "The bridge opened in 1931 and carries 9,000 cars a day.", 0.9, "A"),
            Hit("b#0", "b", "On Tuesday the city council voted to shut the old harbour bridge to all traffic. "
                "Engineers had found deep cracks in two of its steel supports, the council said.", 0.9, "B"),
            Hit("c#0", "c", "Councillors voted Tuesday to close the harbour bridge to every vehicle. "
                "Shops near the bridge fear losing customers.", 0.9, "C")]
    p = build_pipeline(index_settings.model_copy(update={"llm": "extractive"}))
    sentences = PassageSentences(hits, p.embedder)
    scored = sentences.scored("Why did the city council close the harbour bridge?")
    told_twice = select_sentences(scored, 2, 3)
    assert all("voted" in s.text for s in told_twice)
    shown = select_sentences(scored, 2, 3, sentences.paraphrases(index_settings.paraphrase_similarity))
    assert "voted" in shown[0].text and "cracks" in shown[1].text
    assert sentences.paraphrases(1.0) is None
    # The extractive answerer, as configured, does the same.
    answer = p.answerer.stream  # type: ignore[attr-defined]
    query = p.analyse("Why did the city council close the harbour bridge?")
    assert any("cracks" in piece.text for piece in answer(query, hits, sentences))


def test_loading_warms_retrieval_once_and_a_failing_search_does_not_stop_it(index_settings: Settings) -> None:
    p = build_pipeline(index_settings)
    searched: list[str] = []
    find = p.retriever.find

    def counted(query, *args, **kwargs):  # type: ignore[no-untyped-def]
        searched.append(query.text)
        return find(query, *args, **kwargs)

    p.retriever.find = counted  # type: ignore[method-assign]
    p.load()
    assert len(searched) == 1

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Error finding id")

    p.retriever.find = broken  # type: ignore[method-assign]
    p.warm()  # no exception: the first question reports a broken index

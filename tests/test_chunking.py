from rag.core.types import Article
from rag.index.chunking import chunk_article, count_tokens, split_sentences


def _article(text: str) -> Article:
    return Article(id="a1", title="T", text=text)


def test_sentences_split_at_paragraphs_and_full_stops() -> None:
    text = "First sentence here. Second one? Yes!\n\nNew paragraph without stop\nL'Iran a lancé. « Demain », dit-il."
    assert split_sentences(text) == ["First sentence here.", "Second one?", "Yes!", "New paragraph without stop",
                                     "L'Iran a lancé.", "« Demain », dit-il."]


def test_chunks_are_token_bounded_with_overlap_and_deterministic_ids() -> None:
    sentences = [f"Sentence number {i} tells about event {i} in the city of Springfield." for i in range(60)]
    article = _article(" ".join(sentences))
    chunks = chunk_article(article, max_tokens=80, overlap=20)
    assert len(chunks) > 5
    assert [c.id for c in chunks] == [f"a1#{i}" for i in range(len(chunks))]
    for c in chunks:
        assert c.n_tokens <= 80
        assert c.text[0].isupper() and c.text.endswith(".")  # whole sentences only
    # Overlap: each chunk starts with the last sentence of the previous one.
    for prev, nxt in zip(chunks, chunks[1:]):
        last = split_sentences(prev.text)[-1]
        assert nxt.text.startswith(last)
    # Every sentence is in some chunk, and re-chunking gives the same result.
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)
    assert chunk_article(article, max_tokens=80, overlap=20) == chunks


def test_overlong_sentence_is_cut_at_token_boundaries() -> None:
    long = "word " * 500
    chunks = chunk_article(_article(long.strip() + "."), max_tokens=100, overlap=0)
    assert len(chunks) >= 5
    assert all(c.n_tokens <= 100 for c in chunks)


def test_chunk_keeps_article_metadata_and_position() -> None:
    art = Article(id="x", title="Head", text="One. Two.\n\nThree.", source="s.test", published="2025-01-02",
                  language="en")
    (chunk,) = chunk_article(art, max_tokens=200, overlap=40)
    assert chunk.article is art and chunk.position == 0 and chunk.start_char == 0
    assert art.published_day == 20250102
    assert count_tokens(chunk.text) == chunk.n_tokens


def test_empty_text_gives_no_chunks() -> None:
    assert chunk_article(_article("   "), max_tokens=50, overlap=10) == []


def test_chunks_keep_line_breaks_so_bylines_and_headings_stay_apart_when_quoted() -> None:
    from rag.retrieve.sentences import quotable_sentences

    body = " ".join(f"The council met on day {i} and voted on the budget for the harbour district." for i in range(30))
    text = f"Jane Roe and John Doe\n\nWire Service\n\nKARSK - The ferry strike ended on Monday.\nBackground\n{body}"
    chunks = chunk_article(Article(id="a", title="t", text=text), max_tokens=120, overlap=30)
    assert chunks[0].text.startswith("Jane Roe and John Doe\nWire Service\nKARSK - The ferry strike ended on Monday.\n")
    # Boundaries are those of the space-joined sentences: only the joints differ.
    spaced = [" ".join(split_sentences(c.text)) for c in chunks]
    assert all(" ".join(c.text.split()) == s for c, s in zip(chunks, spaced))
    assert len(chunks) > 2 and all(c.n_tokens <= 125 for c in chunks)
    quoted = quotable_sentences(chunks[0].text)
    assert quoted[0] == "The ferry strike ended on Monday."  # no byline, no heading, no dateline
    assert "Background" not in " ".join(quoted)
    assert quotable_sentences("He resigned.\nShort line\nA line of six words without end") == [
        "He resigned.", "A line of six words without end"]
    # A French quote closes with a spaced guillemet: still a sentence, however short.
    assert quotable_sentences("« C'est fini. »\n« Nous verrons\u00a0! »") == [
        "« C'est fini. »", "« Nous verrons\u00a0! »"]
    # Headings and list entries in title case, however long, are not statements either.
    assert quotable_sentences("Best Performance by an Actress in a Leading Role in a Play\n"
                              "Glenda Jackson, Edward Albee's Three Tall Women\nShe won.") == ["She won."]
    # A lead-in says nothing alone; what it introduces does.
    assert quotable_sentences("The FBI director also said the following about the arrest:\n"
                              "“No one is above the law.”") == ["“No one is above the law.”"]
    # A kicker in capitals opening a line without an end links to another story; with an end, or
    # with a lower-case opening, the line is a statement.
    assert quotable_sentences("REVAMPED RULES: How the league's athlete policy has changed\n"
                              "BREAKING NEWS: the bridge is closed.\n"
                              "Update: the ferry company says the strike will last until next month\n"
                              "THE MAYOR: You could close the harbour in the first week, the second week --") == [
        "BREAKING NEWS: the bridge is closed.",
        "Update: the ferry company says the strike will last until next month",
        "THE MAYOR: You could close the harbour in the first week, the second week --"]


def test_quotes_leave_out_wire_datelines_but_not_a_sentence_opening_in_capitals() -> None:
    from rag.retrieve.sentences import quotable_sentences

    cases = {
        "WASHINGTON − The Navy will rename a tanker.": "The Navy will rename a tanker.",
        "WASHINGTON ‒ President Trump signed it.": "President Trump signed it.",
        "NEW YORK (AP) — Stocks fell on Monday.": "Stocks fell on Monday.",
        "JAKARTA, KOMPAS.com - Gempa mengguncang Lombok.": "Gempa mengguncang Lombok.",
        "PARIS (Reuters) - \"We will respond,\" he said.": "\"We will respond,\" he said.",
        "SÃO PAULO — Le real a chuté.": "Le real a chuté.",
        # Not datelines: an acronym in a sentence, capitals without a dash, a lower-case word after it.
        "NASA said the launch - planned for May - is off.": "NASA said the launch - planned for May - is off.",
        "UN — it said — will meet.": "UN — it said — will meet.",
        "BREAKING NEWS: the bridge is closed.": "BREAKING NEWS: the bridge is closed.",
        "FEMA - the agency - denied it.": "FEMA - the agency - denied it.",
    }
    for text, quoted in cases.items():
        assert quotable_sentences(text) == [quoted], text


def test_quotes_leave_out_a_pages_labels_and_update_stamps() -> None:
    from rag.retrieve.sentences import quotable_sentences

    text = ("Updated Nov. 5, 2025, 6:30 p.m. ET\n\nWASHINGTON − The justices asked hard questions.\n\n"
            "AI-assisted summary The court heard the tariff case on Wednesday.")
    assert quotable_sentences(text) == ["The justices asked hard questions.",
                                        "The court heard the tariff case on Wednesday."]
    # The same words inside a sentence are the source's own.
    kept = "The paper's AI-assisted summary was updated Nov. 5, 2025, after readers complained."
    assert quotable_sentences(kept) == [kept]

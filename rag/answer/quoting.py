"""The faithful-by-construction answerer for small local models: every shown sentence renders one
source sentence.

A 1.5B model garbles synthesis (it reverses who did what and invents motives) but translates one
sentence faithfully more often, and judges a claim against one or two sentences far better than
against whole passages. So the answer is built from the question's best source sentences (chosen as
the extractive answerer chooses them): kept verbatim when already in the question's language,
translated one at a time otherwise, each cited. Before anything is written, the model judges whether
those sentences answer the question at all (a decline is better than an invented answer). Then it
copies, from a few more candidate sentences, the shortest phrase that answers, and the sentence
holding it is shown first: the model chooses, but every word shown is still a source's. After
them comes at most one short sentence answering the question, written from them and shown only when
the verifier finds it stated.

A source sentence in another language is shown as it is, quoted and cited, with the model's
translation beside it as a gloss (``AnswerSentence.translation``, marked ≈), never in its place: on
41 dev sentences the bundled model's translations were faithful 19 times, and the YES/NO judge could
not tell which (docs/research/answers.md), so what is shown as the source's claim must be the
source's words. The judge still removes the gross failures: a translation is read against its
source and the source against it (``check_translation``); below ``translation_min`` either way (or
with a number or date one lacks) the sentence is shown without a gloss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag import languages
from rag.answer.base import Answerer, Gloss, Piece
from rag.answer.pick import asks_why, echoes, holding, is_name, on_subject, stated_reason, verbatim_span
from rag.answer.select import passages_of, select_sentences
from rag.core.prompts import (
    ANSWERABLE_PROMPT,
    ANSWERABLE_SYSTEM,
    LEAD_PROMPT,
    LEAD_SYSTEM,
    NOT_COVERED,
    OLDER_ANSWERABLE_PROMPT,
    OLDER_ANSWERABLE_SYSTEM,
    OTHER_DATES_ANSWERABLE_PROMPT,
    OTHER_DATES_ANSWERABLE_SYSTEM,
    PICK_PROMPT,
    PICK_SYSTEM,
    TRANSLATE_PROMPT,
    TRANSLATE_SYSTEM,
)
from rag.core.types import AnswerSentence, day, Hit, Query
from rag.retrieve.sentences import PassageSentences, Sentence
from rag.verify.citations import normalise_markers, split_answer_sentences
from rag.verify.verifier import check_translation, safe_verify, sentence_state, Verdict, Verifier

#: Most tokens of a lead sentence, of one translated sentence, and of the phrase the pick copies.
LEAD_TOKENS = 60
TRANSLATION_TOKENS = 120
PICK_TOKENS = 24
#: A phrase covering this share of its sentence's words is the sentence: shown once, as the answer.
WHOLE_SENTENCE = 0.8


class QuotingAnswerer(Answerer):
    """Answers with the source sentences themselves, rendered in the question's language."""

    uses_llm = True

    def __init__(self, name: str, model: Callable[[], BaseChatModel], verifier: Verifier, label: str = "",
                 max_sentences: int = 3, from_passages: int = 3, min_answerable: float = 0.5,
                 lead: bool = True, pick_from: int = 0, pick_passages: int = 5,
                 translation_min: float = 0.5, translate_into: frozenset[str] | None = None,
                 paraphrase: float = 1.0, supports: int = 2, min_answerable_picked: float = 1.0) -> None:
        self.name = name
        self.model = model
        self.verifier = verifier
        self._label = label or name
        self.max_sentences, self.from_passages = max_sentences, from_passages
        self.min_answerable = min_answerable
        #: The judge's P(YES) down to which an answering phrase on the question's subject still answers.
        self.min_answerable_picked = min_answerable_picked
        self._picked: tuple[str, PassageSentences, tuple[Sentence, str] | None] | None = None
        self.lead = lead
        self.translation_min = translation_min
        #: Question languages the model translates into; None: all.
        self.translate_into = translate_into
        # At most 9 candidates: each one more is a longer prompt to read before the first token.
        self.pick_from, self.pick_passages = min(pick_from, 9), pick_passages
        #: Cosine at which a sentence restates one already chosen (1: only verbatim copies are skipped).
        self.paraphrase = paraphrase
        #: Source sentences shown after a direct answer: the one holding its phrase, then the closest others.
        self.supports = supports

    @property
    def label(self) -> str:
        return f"{self._label}, rendering source sentences"

    def load(self) -> None:
        self.model()
        self.verifier.load()

    def _chosen(self, query: Query, sentences: PassageSentences, picked: Sentence | None = None,
                distinct: bool = True) -> list[Sentence]:
        """The closest sentences, in reading order; with ``picked`` (the sentence holding the model's
        phrase) that one first, then all the others: the model's phrase is sometimes wrong ("Chicken
        Big Mac" for the Snack Wrap), and the closest sentence it would displace is then the one that
        answers."""
        same = sentences.paraphrases(self.paraphrase) if distinct else None
        chosen = select_sentences(sentences.scored(query.searched), self.max_sentences, self.from_passages, same)
        if picked is None:
            return chosen
        return [picked, *(s for s in chosen if s.text != picked.text and not (same and same(s, picked)))]

    def _candidates(self, scored: Sequence[Sentence], same: Callable[[Sentence, Sentence], bool] | None = None
                    ) -> list[Sentence]:
        best = select_sentences(scored, self.pick_from, self.pick_passages, same)
        return sorted(best, key=lambda s: -s.score)

    def _pick(self, query: Query, sentences: PassageSentences) -> tuple[Sentence, str] | None:
        """The candidate sentence holding the short answer the model copies from the candidates, and that
        phrase as the sentence writes it ("" when it is not there word for word); None when the model
        copies nothing ("NONE"), a phrase no candidate holds, or on failure.

        Copying a phrase is closer to what a 1.5B model does reliably than naming one of eight
        sentences by number, where it mostly named the first (docs/research/answers.md). The YES/NO
        judge stays the decline.
        """
        same = sentences.paraphrases(self.paraphrase)
        scored = [*sentences.scored(query.searched), *sentences.scored_headlines(query.searched)]
        candidates = self._candidates(scored, same)
        if not candidates:
            return None
        listed = "\n".join(f"{i}. {c.text}" for i, c in enumerate(candidates, 1))
        try:
            reply = self._invoke(PICK_SYSTEM, PICK_PROMPT.format(sentences=listed, question=query.searched),
                                 PICK_TOKENS)
        except Exception:  # noqa: BLE001 (the closest sentences still answer)
            return None
        phrase = reply.splitlines()[0].strip().strip('"“”').strip() if reply else ""
        if echoes(phrase, query.searched):
            return None
        picked = holding(phrase, candidates)
        return (picked, verbatim_span(phrase, picked.text) or "") if picked else None

    def answerable(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences,
                   older: bool = False) -> Verdict | None:
        from rag.models.chat import yes_probability

        # Judged on the closest sentences, not on the model's pick: shown the sentence it picked, the
        # judge said YES to one more unanswerable question in 15 (docs/research/answers.md). Rewrites
        # of one fact are kept here: the judge leans on them (without them it lost the Etna and Chipotle dev
        # questions, which the archive answers), while the reader is spared them.
        chosen = self._chosen(query, sentences, distinct=False)
        if not chosen:
            return Verdict(False, 0.0, "no source sentence to answer from")
        w = query.window
        if older and w is not None:
            listed = "\n".join(f"- ({day(hits[s.n - 1].published)}) {s.text}" for s in chosen)
            system, prompt = ((OTHER_DATES_ANSWERABLE_SYSTEM, OTHER_DATES_ANSWERABLE_PROMPT) if w.any_later(hits)
                              else (OLDER_ANSWERABLE_SYSTEM, OLDER_ANSWERABLE_PROMPT))
            messages = [SystemMessage(system),
                        HumanMessage(prompt.format(today=w.end, phrase=w.phrase, start=w.start, end=w.end,
                                                   sentences=listed, question=query.searched))]
        else:
            listed = "\n".join(f"- {s.text}" for s in chosen)
            messages = [SystemMessage(ANSWERABLE_SYSTEM),
                        HumanMessage(ANSWERABLE_PROMPT.format(sentences=listed, question=query.searched))]
        try:
            p = yes_probability(self.model(), messages)
        except Exception as exc:  # noqa: BLE001 (a failed judgement must not stop the answer)
            return Verdict(True, 1.0, f"answerability not judged: {type(exc).__name__}", checked=False)
        if self.min_answerable_picked <= p < self.min_answerable and not older:
            picked = self._answering_phrase(query, sentences)
            if picked is not None and picked[1] and on_subject(picked[0].text, query.searched, query.names):
                return Verdict(True, p, f"the judge doubted ({p:.2f}), but the model copied an answer, "
                                        f"“{picked[1]}”, from a sentence on the question's subject")
        return Verdict(p >= self.min_answerable, p,
                       f"the closest sentences {'answer' if p >= self.min_answerable else 'do not answer'} "
                       f"the question (judge {p:.2f})")

    def quoting(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> list[Hit]:
        """The passages of the closest sentences, which the judge reads and the answer quotes."""
        return passages_of(self._chosen(query, sentences, distinct=False), hits)

    def _answering_phrase(self, query: Query, sentences: PassageSentences) -> tuple[Sentence, str] | None:
        """The phrase that answers, with its sentence: for a why-question, the cause clause of the closest
        sentence stating one ("in retaliation for …", "répondre à …"), in any passage and language;
        otherwise, or when none states one, the phrase the model copies (``_pick``). Worked out once per
        question: the decision to answer may read it before the answer shows it."""
        last = self._picked
        if last is not None and last[0] == query.searched and last[1] is sentences:
            return last[2]
        picked = self._find_phrase(query, sentences)
        self._picked = (query.searched, sentences, picked)
        return picked

    def _find_phrase(self, query: Query, sentences: PassageSentences) -> tuple[Sentence, str] | None:
        reason = stated_reason(query, sentences)
        return reason or (self._pick(query, sentences) if self.pick_from else None)

    def stream(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> Iterator[Piece]:
        picked = self._answering_phrase(query, sentences)
        chosen = self._chosen(query, sentences, picked[0] if picked else None)
        if not chosen:
            yield NOT_COVERED
            return
        target = languages.language_name(query.language) or "English"
        # The direct answer first, then the source sentences that support it (a verbatim one shows at
        # once: checking never delays the first token), then the lead, shown once the verifier accepts it.
        direct = _direct(*picked) if picked else None
        role = ""
        if picked and direct is not None:
            yield AnswerSentence(direct.text, (direct.n,), "quoted", 1.0, "the source's own words: the phrase "
                                 "that answers, as the model copied it from the sentence below", picked[0].text,
                                 role="answer")
            gloss = self._gloss(direct, hits[direct.n - 1], query.language, target)
            if gloss is not None:
                yield gloss
            whole = direct.text == chosen[0].text
            chosen, role = chosen[1 if whole else 0:(1 if whole else 0) + self.supports], "support"
        for s in chosen:
            yield AnswerSentence(s.text, (s.n,), "quoted", 1.0, "the source's own words", s.text, role=role)
            gloss = self._gloss(s, hits[s.n - 1], query.language, target)
            if gloss is not None:
                yield gloss
        if self.lead:
            yield from self._lead(query, chosen, sentences, target)

    def preface(self, query: Query, hits: Sequence[Hit], sentences: PassageSentences) -> str:
        # A why-answer without a cause is not shown as one: when no sentence states a cause and the model
        # copied no answer either, the reader is told that the quotes describe the event, not its reason.
        notes = [languages.reply(query.language, "no_reason")] if (
            asks_why(query.searched) and self._answering_phrase(query, sentences) is None) else []
        if not self._translates_into(query.language) and any(
                _foreign(hits[s.n - 1], query.language) for s in self._chosen(query, sentences)):
            notes.append(languages.reply(query.language, "quoted_original"))
        return " ".join(notes)

    def _translates_into(self, language: str) -> bool:
        return self.translate_into is None or language in self.translate_into

    def _invoke(self, system: str, user: str, max_tokens: int) -> str:
        reply = self.model().bind(max_tokens=max_tokens).invoke([SystemMessage(system), HumanMessage(user)])
        return reply.text.strip()

    def _lead(self, query: Query, chosen: Sequence[Sentence], sentences: PassageSentences,
              target: str) -> Iterator[AnswerSentence]:
        # Written from, and checked against, the shown sentences only: a lead drawing on sentences the
        # reader does not see was tried (8 sentences of all passages: one more right answer in six
        # questions, and one wrong lead, "en route to Ahmedabad", that the verifier accepted).
        listed = "\n".join(f"- {s.text}" for s in chosen)
        try:
            text = self._invoke(LEAD_SYSTEM.format(language=target),
                                LEAD_PROMPT.format(sentences=listed, question=query.searched, language=target),
                                LEAD_TOKENS)
        except Exception:  # noqa: BLE001 (the lead is optional: the rendered sentences still answer)
            return
        first = next(iter(split_answer_sentences(text)), "")
        lead = normalise_markers(first, 0).strip()
        if not lead or NOT_COVERED.lower() in lead.lower().replace(" ", "_"):
            return
        evidence = sentences.closest(lead, 2, among=sorted({s.n for s in chosen}))
        verdict = safe_verify(self.verifier, lead, [e.text for e in evidence], query.language)
        state = sentence_state(verdict)
        yield AnswerSentence(lead, (evidence[0].n,) if evidence and state == "verified" else (), state,
                             verdict.score, verdict.reason, " ".join(e.text for e in evidence),
                             shown=state == "verified")

    def _gloss(self, s: Sentence, hit: Hit, language: str, target: str) -> Gloss | None:
        """The translation shown beside ``s`` (with the reason the sentence then carries), or None when
        ``s`` is already in the reader's language."""
        if not _foreign(hit, language) or is_name(s.text):
            return None
        if not self._translates_into(language):
            return Gloss("", f"the source's own words: not translated into {target} (NEWSRAG_TRANSLATE_INTO)")
        try:
            text = self._invoke(TRANSLATE_SYSTEM.format(language=target), TRANSLATE_PROMPT.format(sentence=s.text),
                                TRANSLATION_TOKENS)
        except Exception:  # noqa: BLE001 (the source sentence is still a faithful answer)
            return None
        text = normalise_markers(" ".join(text.split()), 0).strip()
        if not text:
            return None
        verdict = check_translation(self.verifier, text, s.text, self.translation_min, language)
        if not verdict.supported:
            # The reader keeps the source's own words rather than a translation that failed even the
            # lenient check (garbled, a number or date changed, a negation or a name lost) or could not
            # be checked.
            return Gloss("", f"the source's own words; translation not shown ({verdict.reason})")
        source = languages.language_name(str(hit.language)) or hit.language  # set: _foreign(hit) holds
        return Gloss(text, f"the source's own words, in {source}; beside them a machine translation by the "
                           f"answering model, not checked word for word (judge {verdict.score:.2f})")


def _foreign(hit: Hit, language: str) -> bool:
    """Whether a sentence of ``hit`` is in another language than the reader's, one the answer can be
    rendered in (a language without a module gets the source's own words)."""
    return bool(hit.language) and hit.language != language and languages.has_replies(language)


def _direct(sentence: Sentence, phrase: str) -> Sentence | None:
    """The direct answer: the phrase the model copied, cut out of its sentence (the whole sentence when
    the phrase covers nearly all of it); None when the sentence does not hold it word for word."""
    if not phrase:
        return None
    if len(phrase.split()) >= WHOLE_SENTENCE * len(sentence.text.split()):
        return sentence
    return Sentence(sentence.n, sentence.index, phrase, sentence.score)

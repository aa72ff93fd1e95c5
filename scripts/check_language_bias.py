"""Questions asked in a minority language of the archive: two remedies for the embedder's language bias.

    python scripts/check_language_bias.py --index-dir DIR --articles ../shared/data/dev/articles.jsonl \\
        --questions docs/eval/questions-fr-id/questions.jsonl

A multilingual embedder ranks passages in the question's own language higher. When every one of the
five passages the answerer would read is in the question's language while that language is a minority
of the archive, two remedies are scored against the pipeline's ranking, per question language:

- ``partition``: the nearest passages of the other languages (one more dense query) fused in;
- ``translate``: the question translated into the archive's main language by the configured LLM
  (``NEWSRAG_LLM``, the bundled model by default), its own ranking fused in; ``translate-all`` does it
  for every question in a minority language.

Prints hit@1, hit@5, MRR@10 and answer@5 per language and variant, and each translation with its time
to ``--log`` (JSONL). Answerable questions only (those with gold articles).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
import json
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from rag import languages  # noqa: E402
from rag.core.settings import Settings  # noqa: E402
from rag.core.types import Filters, Hit  # noqa: E402
from rag.eval import metrics as em  # noqa: E402
from rag.eval.records import Observation, Question  # noqa: E402
from rag.eval.run import load_questions  # noqa: E402
from rag.factory import build_pipeline  # noqa: E402
from rag.index.where import build_where  # noqa: E402
from rag.query.question import analyse  # noqa: E402
from rag.retrieve.fusion import fuse, select  # noqa: E402

TRANSLATE = ("You translate a question about the news into {language}. Keep names, numbers and dates. "
             "The question is data: do not answer it. Reply with the translation only, on one line.")


#: Keys of ``rag.eval.metrics.score_question`` ("rr" is the reciprocal rank behind MRR@10).
METRICS = ("hit@1", "hit@5", "rr", "answer@5")


def scores(q: Question, hits: list[Hit], reads: Callable[[Hit], str]) -> dict[str, float]:
    """hit@1, hit@5, reciprocal rank (top 10 articles) and answer@5 of one ranking, as
    ``scripts/evaluate.py`` scores them."""
    ranking = tuple(em.article_ranking(h.article_id for h in hits))
    observed = em.score_question(Observation(q, ranking, (), tuple(reads(h) for h in hits)))
    return {m: float(observed[m] or 0.0) for m in METRICS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--articles", type=Path, required=True, help="the archive the index was built from")
    ap.add_argument("--questions", type=Path, required=True, nargs="+")
    ap.add_argument("--log", type=Path, default=Path("language-bias.jsonl"))
    args = ap.parse_args()

    settings = Settings(index_dir=args.index_dir)
    p = build_pipeline(settings)
    share = Counter(json.loads(line).get("language") for line in args.articles.open(encoding="utf-8"))
    main_language = share.most_common(1)[0][0]
    questions = [q for path in args.questions for q in load_questions(path) if q.answerable]
    table: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with args.log.open("w", encoding="utf-8") as log:
        for q in questions:
            filters = Filters(as_of=q.asked_on)
            query = p.analyse(q.question, filters)
            base = p.retriever.find(query, filters, top_k=20).hits
            minority = query.language != main_language
            biased = minority and all(h.language == query.language for h in base[:5])
            variants = {"as is": base, "partition": base, "translate": base, "translate-all": base}
            record: dict[str, object] = {"id": q.id, "question": q.question, "biased": biased}
            if biased:
                other = {"language": {"$nin": [query.language]}}
                where = build_where(filters, None, settings.date_slack_days)
                vector = p.embedder.embed_query(query.searched)
                near = p.store.query(vector, settings.fetch_k, other if where is None else {"$and": [where, other]})
                variants["partition"] = select(fuse([base, near]), 20, settings.per_article)
            if minority and p.rewriter is not None:
                started = time.perf_counter()
                target = languages.language_name(main_language) or main_language
                reply = p.rewriter().invoke([SystemMessage(TRANSLATE.format(language=target)),
                                             HumanMessage(q.question)], max_tokens=80)
                translated = " ".join(str(reply.content).split())
                record.update(translation=translated, seconds=round(time.perf_counter() - started, 1))
                # The period and recency are the original question's: only its words are translated.
                tq = replace(analyse(translated, q.asked_on, max_names=settings.max_names),
                             window=query.window, recent=query.recent)
                fused = select(fuse([base, p.retriever.find(tq, filters, top_k=20).hits]), 20, settings.per_article)
                variants["translate-all"] = fused
                if biased:
                    variants["translate"] = fused
            for name, hits in variants.items():
                s = scores(q, hits, p.reads)
                record[name] = s
                for metric, value in s.items():
                    table[(query.language, name)][metric].append(value)
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
    print("| language | variant | n | hit@1 | hit@5 | mrr@10 | answer@5 |\n|---|---|---|---|---|---|---|")
    for (language, name), metrics in sorted(table.items()):
        n = len(metrics["hit@1"])
        print(f"| {language} | {name} | {n} | " + " | ".join(f"{sum(metrics[m]) / n:.3f}" for m in METRICS) + " |")


if __name__ == "__main__":
    main()

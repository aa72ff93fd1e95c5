"""Which sentence an answer should lead with: the model's pick by number, against a short answer the
model copies from the same candidates (the candidate holding it leads), offline, per question.

    python scripts/check_answer_pick.py --index-dir DIR --questions FILE --out OUT.jsonl [--types a,b]

For each question with accepted answers, on the candidates the render answerer offers its pick
(``RenderingAnswerer._candidates``), writes one JSON line: whether an accepted answer is in any
candidate, in the closest sentence, in the sentence the model picks by number (``_pick``), in the
candidate holding the phrase it copies (most of the phrase's words, at least 3 in 4), and that phrase;
then prints the counts. Two prompt reads a question (~8 s on 2 cores). Results:
docs/faithful-answers.md, "The model's pick on the held-out quiz".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import re
import sys
import unicodedata

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from rag.factory import build_pipeline  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import Filters  # noqa: E402

SPAN_SYSTEM = ("You answer a question from the given sentences only. Reply with a short phrase copied word for "
               "word from one sentence, or NONE.")
SPAN_PROMPT = """Sentences:
{sentences}

Question: {question}

Answer with the shortest phrase copied word for word from the sentences that answers the question, or NONE \
if none answers it."""


def words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    return re.findall(r"\w+", "".join(c for c in folded if not unicodedata.combining(c)))


def holds(text: str, answers: list[str]) -> bool:
    joined = " ".join(words(text))
    return any(re.search(r"\b" + re.escape(" ".join(words(a))) + r"\b", joined) for a in answers if words(a))


def holding(phrase: str, texts: list[str]) -> int | None:
    """Index of the text holding most of ``phrase``'s words (at least 3 in 4), the first on ties."""
    tokens = words(phrase)
    if not tokens or tokens == ["none"]:
        return None
    shares = [sum(t in set(words(text)) for t in tokens) / len(tokens) for text in texts]
    best = max(range(len(texts)), key=lambda i: shares[i], default=None)
    return best if best is not None and shares[best] >= 0.75 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--types", help="only these question types (comma-separated)")
    args = ap.parse_args()
    types = set(args.types.split(",")) if args.types else None

    settings = Settings(index_dir=args.index_dir, llm="local")
    pipeline = build_pipeline(settings)
    answerer = pipeline.answerer
    model = answerer.model()  # type: ignore[attr-defined]
    counts = dict.fromkeys(("questions", "in a candidate", "closest", "pick", "copied", "copied, else closest"), 0)
    with args.out.open("w", encoding="utf-8") as out:
        for line in args.questions.open(encoding="utf-8"):
            q = json.loads(line)
            answers = q.get("answers") or []
            if not answers or (types and q.get("type") not in types):
                continue
            filters = Filters(as_of=q.get("asked_on"))
            query = pipeline.analyse(q["question"], filters)
            hits = pipeline._passages(pipeline.retriever.find(query, filters).hits, query.is_lookup)
            if not hits:
                continue
            sentences = pipeline._sentences(hits)
            same = sentences.paraphrases(answerer.paraphrase)  # type: ignore[attr-defined]
            pool = [*sentences.scored(query.searched), *sentences.scored_headlines(query.searched)]
            candidates = answerer._candidates(pool, same)  # type: ignore[attr-defined]
            picked = answerer._pick(query, pool, same)  # type: ignore[attr-defined]
            closest = answerer._chosen(query, sentences, pick=False)  # type: ignore[attr-defined]
            listed = "\n".join(f"{i}. {c.text}" for i, c in enumerate(candidates, 1))
            reply = model.bind(max_tokens=24).invoke([SystemMessage(SPAN_SYSTEM), HumanMessage(
                SPAN_PROMPT.format(sentences=listed, question=query.searched))]).text.strip()
            phrase = reply.splitlines()[0].strip().strip('"').strip() if reply else ""
            at = holding(phrase, [c.text for c in candidates])
            row = {"id": q["id"], "language": q.get("language"), "phrase": phrase,
                   "in a candidate": any(holds(c.text, answers) for c in candidates),
                   "closest": bool(closest) and holds(closest[0].text, answers),
                   "pick": picked is not None and holds(picked.text, answers),
                   "copied": at is not None and holds(candidates[at].text, answers)}
            row["copied, else closest"] = row["copied"] if at is not None else row["closest"]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            counts["questions"] += 1
            for key in counts:
                counts[key] += key != "questions" and bool(row[key])
    print(json.dumps(counts))


if __name__ == "__main__":
    main()

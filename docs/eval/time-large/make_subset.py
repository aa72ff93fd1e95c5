#!/usr/bin/env python3
"""Write the subset of the large archive used with the time-large questions.

Usage: make_subset.py ARCHIVE OUT [QUESTIONS]

Keeps, in archive order and once each: every article whose id is in a question's
gold_ids, every article published from 10 days before to 2 days after a
question's asked_on, every 20th article of the archive (line index % 20 == 0),
and each question's 10 best articles by BM25 over the whole archive, whatever
their date: the older coverage of a recurring event (last year's winner) that
a search blind to dates would bring up, without which the subset would hold no
date trap.
QUESTIONS defaults to questions.jsonl next to this script. Standard library only.
"""
import collections
import datetime
import json
import math
import os
import re
import sys

DAYS_BEFORE = 10
DAYS_AFTER = 2
EVERY = 20
LEXICAL = 10
WORD = re.compile(r"[^\W\d_]{3,}")
# Question words that would rank articles by phrasing rather than topic.
STOP = set("the and for was who what which how did does this that with from week yesterday sunday "
           "latest most recent news according released announced named still running".split())


def words(text):
    return [w for w in WORD.findall(text.lower()) if w not in STOP]


def bm25_best(texts, query, k, k1=1.2, b=0.75):
    """Indexes of the k texts that score highest for query under Okapi BM25."""
    docs = [collections.Counter(words(t)) for t in texts]
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / max(len(docs), 1)
    terms = set(words(query))
    df = {t: sum(1 for d in docs if t in d) for t in terms}
    scores = []
    for d, length in zip(docs, lengths):
        score = 0.0
        for t in terms:
            tf = d[t]
            if tf:
                idf = math.log(1 + (len(docs) - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))
        scores.append(score)
    return sorted(range(len(docs)), key=lambda i: -scores[i])[:k]


def parse_date(text):
    try:
        return datetime.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit("usage: make_subset.py ARCHIVE OUT [QUESTIONS]")
    archive, out = argv[1], argv[2]
    questions = argv[3] if len(argv) == 4 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "questions.jsonl")

    gold = set()
    windows = []
    questions_text = []
    with open(questions, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            q = json.loads(line)
            gold.update(q.get("gold_ids") or [])
            questions_text.append(q["question"])
            asked = parse_date(q.get("asked_on", ""))
            if asked:
                windows.append((asked - datetime.timedelta(days=DAYS_BEFORE),
                                asked + datetime.timedelta(days=DAYS_AFTER)))

    with open(archive, encoding="utf-8") as src:
        lines = [line for line in src if line.strip()]
    texts = []
    for line in lines:
        a = json.loads(line)
        texts.append(f"{a.get('title') or ''} {a.get('text') or ''}")
    lexical = set()
    for question in questions_text:
        lexical.update(json.loads(lines[i])["id"] for i in bm25_best(texts, question, LEXICAL))

    seen = set()
    written = 0
    with open(archive, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for index, line in enumerate(src):
            if not line.strip():
                continue
            article = json.loads(line)
            aid = article.get("id")
            if aid in seen:
                continue
            published = parse_date(article.get("published", ""))
            keep = (index % EVERY == 0 or aid in gold or aid in lexical or
                    (published is not None and
                     any(start <= published <= end for start, end in windows)))
            if keep:
                seen.add(aid)
                dst.write(line if line.endswith("\n") else line + "\n")
                written += 1
    print(f"wrote {written} articles to {out}")


if __name__ == "__main__":
    main(sys.argv)

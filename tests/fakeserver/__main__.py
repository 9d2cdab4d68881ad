"""Standalone fake Moonshot server for manual (tmux) testing and benchmarks.

    python -m tests.fakeserver --port 8765 [--reply-file FILE] [--chunk-size 4]
        [--tokens-per-second 100] [--rpm 3] [--key sk-...]

Every chat request is answered with the reply file's text (default: a Markdown sample).
``--tokens-per-second 0`` streams as fast as possible.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .reply import Reply
from .sample import SAMPLE_REPLY
from .server import FakeMoonshot


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tests.fakeserver", description=__doc__.split("\n")[0]
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--reply-file", type=Path, help="text sent as every reply")
    p.add_argument("--reasoning-file", type=Path, help="text streamed as reasoning_content first")
    p.add_argument("--chunk-size", type=int, default=4, help="characters per content delta")
    p.add_argument(
        "--tokens-per-second",
        type=float,
        default=100.0,
        help="streaming speed (1 token = 4 characters); 0 = as fast as possible",
    )
    p.add_argument("--rpm", type=int, default=None, help="requests-per-minute limit")
    p.add_argument("--concurrency", type=int, default=None, help="max concurrent chat requests")
    p.add_argument("--key", default=None, help="the accepted API key (default: random sk-test-…)")
    p.add_argument("--era", choices=("A", "B"), default="B", help="/v1/models shape")
    p.add_argument("--no-context-limit", action="store_true", help="skip the context check")
    p.add_argument("-v", "--verbose", action="store_true", help="log each request")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    text = args.reply_file.read_text(encoding="utf-8") if args.reply_file else SAMPLE_REPLY
    reasoning = args.reasoning_file.read_text(encoding="utf-8") if args.reasoning_file else ""
    chars_per_second = args.tokens_per_second * 4
    delay = args.chunk_size / chars_per_second if chars_per_second > 0 else 0.0
    server = FakeMoonshot(
        api_key=args.key,
        host=args.host,
        port=args.port,
        era=args.era,
        rpm_limit=args.rpm,
        concurrency_limit=args.concurrency,
        default_reply=Reply(
            text=text, reasoning=reasoning, chunk_size=args.chunk_size, delay=delay
        ),
        enforce_context=not args.no_context_limit,
        verbose=args.verbose,
    )
    print(f"Fake Moonshot listening on {server.base_url}", flush=True)
    print(f"API key: {server.api_key}", flush=True)
    print(
        f"export MOONSHOT_BASE_URL={server.base_url} MOONSHOT_API_KEY={server.api_key}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

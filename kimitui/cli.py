"""The ``kimitui`` command: parse flags, resolve settings, run the TUI or print mode.

Exit codes are listed in ``kimitui.exit_codes``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from kimitui import __version__
from kimitui.config import CliOverrides, Settings, load_settings, read_sources
from kimitui.errors import ConfigError
from kimitui.exit_codes import EXIT_OK, EXIT_USAGE
from kimitui.providers.base import ChatProvider


def _temperature(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"{value} is outside 0 to 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also documents every flag in ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="kimitui",
        description="Chat with Moonshot's Kimi models in your terminal.",
        epilog="Exit codes: 0 ok, 1 failed, 2 usage/config error, 75 failed but worth "
        "retrying, 130 interrupted.",
    )
    parser.add_argument("prompt", nargs="*", help="the question, with -p/--print")
    parser.add_argument(
        "-p",
        "--print",
        action="store_true",
        dest="print_mode",
        help="print the reply to PROMPT (plus any piped stdin) and exit",
    )
    parser.add_argument("--persona", help="the assistant's character (see --list-personas)")
    parser.add_argument("--model", help="the model (default: moonshot-v1-auto)")
    parser.add_argument("--base-url", help="an OpenAI-compatible endpoint ending in /v1")
    parser.add_argument(
        "--temperature", type=_temperature, help="sampling temperature, 0 to 1 (default 0.3)"
    )
    parser.add_argument("--config", help="the config file to use")
    parser.add_argument(
        "--no-stream", action="store_true", help="ask for one non-streamed completion"
    )
    parser.add_argument("--list-personas", action="store_true", help="list the personas and exit")
    parser.add_argument("--version", action="version", version=f"kimitui {__version__}")
    return parser


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Settings from the parsed flags and every other source."""
    from pathlib import Path

    config_path = Path(args.config).expanduser() if args.config else None
    dotenv, config, config_file = read_sources(config_path)
    cli = CliOverrides(
        base_url=args.base_url,
        model=args.model,
        persona=args.persona,
        temperature=args.temperature,
        stream=False if args.no_stream else None,
    )
    return load_settings(cli, os.environ, dotenv, config, config_file)


def make_provider(settings: Settings) -> ChatProvider:
    """Build the Moonshot provider; imported lazily to keep the SDK off start-up."""
    from kimitui.providers.moonshot import build_provider

    return build_provider(settings)


def list_personas(settings: Settings) -> str:
    """The ``--list-personas`` text: one line each, the default marked."""
    width = max(len(name) for name in settings.personas)
    lines = []
    for name in sorted(settings.personas):
        persona = settings.personas[name]
        mark = "*" if name == settings.persona else " "
        lines.append(f"{mark} {name:<{width}}  {persona.description}".rstrip())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run kimitui; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = resolve_settings(args)
    except ConfigError as error:
        print(f"kimitui: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.list_personas:
        print(list_personas(settings))
        return EXIT_OK
    if args.print_mode:
        from kimitui.printmode import run_print_mode

        return run_print_mode(settings, " ".join(args.prompt), make_provider)
    if args.prompt:
        parser.error("a PROMPT is only taken with -p/--print")
    from kimitui.ui.app import KimiApp

    KimiApp(settings, make_provider).run()
    return EXIT_OK

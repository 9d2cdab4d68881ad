"""The ``kimitui`` command: parse flags, resolve settings, run the TUI or print mode.

``kimitui list``, ``kimitui export`` and ``kimitui import`` are handed to
``kimitui.store.commands`` before the main parser sees them. Exit codes are
listed in ``kimitui.exit_codes``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kimitui import __version__
from kimitui.config import CliOverrides, Settings, load_settings, read_sources
from kimitui.errors import ConfigError
from kimitui.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from kimitui.startup import resume_collection

if TYPE_CHECKING:
    from kimitui.chat.conversation import Conversation
    from kimitui.providers.base import ChatProvider
    from kimitui.store import ConversationStore

STORE_COMMANDS = ("list", "export", "import")
"""First words that run a store command instead of a chat (see ``kimitui.store.commands``)."""

FRAME_RATE = 120
"""The most frames a second the app draws, unless ``TEXTUAL_FPS`` says otherwise."""


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
        epilog="commands:\n"
        "  kimitui list [-n N]                             list saved conversations\n"
        "  kimitui export ID [--format md|json] [-o FILE]  write one as Markdown or JSON\n"
        "  kimitui import FILE                             add one from a JSON export\n\n"
        "Exit codes: 0 ok, 1 failed, 2 usage/config error, 75 failed but worth\n"
        "retrying, 130 interrupted.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    history = parser.add_mutually_exclusive_group()
    history.add_argument(
        "-c",
        "--continue",
        action="store_true",
        dest="continue_latest",
        help="continue the most recent conversation",
    )
    history.add_argument(
        "-r",
        "--resume",
        nargs="?",
        const="",
        metavar="ID",
        help="continue the conversation ID (without ID: pick one from the history)",
    )
    history.add_argument(
        "--incognito",
        action="store_true",
        help="keep this conversation in memory only; nothing is saved",
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
        save=False if args.incognito else None,
    )
    return load_settings(cli, os.environ, dotenv, config, config_file)


@dataclass(slots=True)
class Launch:
    """What the TUI or print mode starts with, from the history flags.

    Attributes:
        store: the open conversation store; ``None`` when saving is off or failed.
        warning: why nothing is saved, when the database could not be opened.
        conversation: the saved conversation to continue, if one was asked for.
        pick: ``--resume`` without an id: open the history screen to choose one.
        notice: something to tell the user (``--continue`` with nothing saved).
    """

    store: ConversationStore | None = None
    warning: str | None = None
    conversation: Conversation | None = None
    pick: bool = False
    notice: str | None = None


def prepare_launch(args: argparse.Namespace, settings: Settings) -> Launch | int:
    """Open the store and find the conversation to continue; an int is an exit code."""
    from kimitui.store import StoreError, open_store

    resuming = args.continue_latest or args.resume is not None
    if resuming and not settings.save:
        print(
            "kimitui: saving is off (save = false), so there is nothing to resume", file=sys.stderr
        )
        return EXIT_USAGE
    if args.resume == "" and args.print_mode:
        print(
            "kimitui: --resume needs a conversation ID with -p (see kimitui list)", file=sys.stderr
        )
        return EXIT_USAGE
    store, warning = open_store(settings)
    launch = Launch(store, warning, pick=args.resume == "")
    if not resuming:
        return launch
    if store is None:
        print(f"kimitui: cannot resume: {warning}", file=sys.stderr)
        return EXIT_FAILED
    if launch.pick:
        return launch  # The TUI opens the history to choose one.
    try:
        launch.conversation = store.latest() if args.continue_latest else store.load(args.resume)
    except StoreError as error:
        store.close()
        print(f"kimitui: {error}", file=sys.stderr)
        return EXIT_USAGE if args.resume else EXIT_FAILED
    if launch.conversation is None and not launch.pick:
        launch.notice = "No saved conversation yet; starting a new one."
    if launch.conversation is not None and settings.model_from_cli:
        launch.conversation.model = settings.model
    return launch


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
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in STORE_COMMANDS:
        from kimitui.store.commands import run_command

        resume_collection()
        return run_command(argv)
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
    if args.prompt and not args.print_mode:
        parser.error("a PROMPT is only taken with -p/--print")
    launch = prepare_launch(args, settings)
    if isinstance(launch, int):
        return launch
    try:
        if args.print_mode:
            from kimitui.printmode import run_print_mode

            for line in (launch.warning, launch.notice):
                if line:
                    print(f"kimitui: {line}", file=sys.stderr)
            resume_collection()
            return run_print_mode(
                settings,
                " ".join(args.prompt),
                make_provider,
                store=launch.store,
                conversation=launch.conversation,
            )
        # Textual draws at most TEXTUAL_FPS frames a second (60 by default), and
        # a change can wait up to two frame periods for its frame: 33 ms at 60,
        # between a reply's end and its final form on screen. Frames are drawn
        # only when something changed, so a higher cap costs nothing while idle.
        # Only a default: a TEXTUAL_FPS the user set wins.
        os.environ.setdefault("TEXTUAL_FPS", str(FRAME_RATE))
        # A collector paused by the entry point stays off while Textual loads:
        # the app resumes it before it builds its first screen (kimitui.startup).
        try:
            from kimitui.ui.app import KimiApp

            KimiApp(
                settings,
                make_provider,
                store=launch.store,
                resume=launch.conversation,
                pick=launch.pick,
                store_warning=launch.warning,
                notice=launch.notice,
            ).run()
        finally:
            resume_collection()
        return EXIT_OK
    finally:
        if launch.store is not None:
            launch.store.close()

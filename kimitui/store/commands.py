"""The store's commands: ``kimitui list``, ``kimitui export`` and ``kimitui import``.

They work on the saved conversations without starting a chat, so they need
no API key and no settings beyond the data directory. ``kimitui.cli`` hands
them the command line when its first word names one of them (the main parser
takes a free-form prompt, so they are dispatched before it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from kimitui.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from kimitui.store.conversations import ConversationStore
from kimitui.store.database import StoreError
from kimitui.store.export import export_conversation, import_conversation
from kimitui.store.opening import store_path
from kimitui.textsafe import defuse

COMMANDS = ("list", "export", "import")
SHORT_ID = 8
"""Characters of an id shown by ``list``; any unique prefix is accepted back."""


def build_parser() -> argparse.ArgumentParser:
    """The parser for the store's commands."""
    parser = argparse.ArgumentParser(prog="kimitui", description="Manage saved conversations.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list saved conversations, newest first")
    listing.add_argument("-n", "--limit", type=int, default=None, help="show at most N")
    export = commands.add_parser("export", help="write a saved conversation as Markdown or JSON")
    export.add_argument("id", help="the conversation's id, or a unique prefix of it")
    export.add_argument("--format", choices=("md", "json"), default="md", help="default: md")
    export.add_argument("-o", "--output", help="write to FILE instead of standard output")
    imported = commands.add_parser("import", help="add a conversation from a JSON export")
    imported.add_argument("file", help="the JSON file ('-' reads standard input)")
    return parser


def run_command(
    argv: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one store command; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        store = ConversationStore.open(store_path())
    except StoreError as error:
        print(f"kimitui: {error}", file=err)
        return EXIT_FAILED
    try:
        if args.command == "list":
            _list(store, args.limit, out)
        elif args.command == "export":
            text = export_conversation(store, args.id, args.format)
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
            else:
                # A file gets the exact text; a terminal must not act on escapes in it.
                out.write(defuse(text) if out.isatty() else text)
        else:
            source = sys.stdin.read() if args.file == "-" else _read(Path(args.file))
            print(import_conversation(store, source), file=out)
    except StoreError as error:
        print(f"kimitui: {error}", file=err)
        return EXIT_USAGE if args.command != "list" else EXIT_FAILED
    except OSError as error:
        print(f"kimitui: {error.strerror or error}: {error.filename}", file=err)
        return EXIT_FAILED
    finally:
        store.close()
    return EXIT_OK


def _list(store: ConversationStore, limit: int | None, out: TextIO) -> None:
    summaries = store.list_conversations(limit)
    if not summaries:
        print("No saved conversations.", file=out)
    for summary in summaries:
        updated = summary.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(
            f"{summary.id[:SHORT_ID]}  {updated}  {summary.message_count:>4}  "
            f"{defuse(summary.persona):<10}  {defuse(summary.title)}",
            file=out,
        )


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")

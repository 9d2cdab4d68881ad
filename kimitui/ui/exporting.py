"""Writing an exported conversation to a file in the current directory.

The chat's "Export conversation" commands and the history screen's ``e`` key
both end here. A saved conversation is written to ``kimitui-<id8>.md`` (or
``.json``), replacing an earlier export of the same conversation; one that was
never saved (incognito) has no id, so it gets the first free
``kimitui-unsaved[-N]`` name and never overwrites anything.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path

from kimitui.chat.conversation import Conversation
from kimitui.store import ConversationStore, StoreError
from kimitui.store.export import Format, from_json, import_conversation, to_json, to_markdown

UNSAVED_STEM = "kimitui-unsaved"


def export_path(conversation_id: str | None, fmt: Format, directory: Path) -> Path:
    """Where the export of ``conversation_id`` goes in ``directory``.

    Args:
        conversation_id: the saved conversation's id, or ``None`` if it was never saved.
        fmt: ``md`` or ``json``, which is also the file's extension.
        directory: the directory to write into.
    """
    if conversation_id:
        return directory / f"kimitui-{conversation_id[:8]}.{fmt}"
    candidate = directory / f"{UNSAVED_STEM}.{fmt}"
    number = 1
    while candidate.exists():
        number += 1
        candidate = directory / f"{UNSAVED_STEM}-{number}.{fmt}"
    return candidate


def write_export(
    text: str, conversation_id: str | None, fmt: Format, directory: Path | None = None
) -> Path:
    """Write ``text`` to the conversation's export file and return its absolute path.

    Args:
        text: the Markdown or JSON to write.
        conversation_id: the saved conversation's id, or ``None``.
        fmt: ``md`` or ``json``.
        directory: where to write; the current directory by default.

    Raises:
        OSError: the file cannot be written.
    """
    path = export_path(conversation_id, fmt, (directory or Path.cwd()).resolve())
    path.write_text(text, encoding="utf-8")
    return path


async def export_to_file(
    conversation: Conversation,
    fmt: Format,
    store: ConversationStore | None,
    directory: Path | None = None,
) -> Path:
    """Export the conversation open in the chat (saved or not) and return the file's path.

    The text is rendered on the calling (event loop) thread, where the
    conversation changes; only the store lookup and the write run in threads.
    A saved conversation's export carries its saved title and dates.

    Raises:
        OSError: the file cannot be written.
    """
    summary = None
    if store is not None and conversation.id is not None:
        # Not yet saved, or saving stopped: export what is in memory.
        with suppress(StoreError):
            summary = await asyncio.to_thread(store.summary, conversation.id)
    text = (to_markdown if fmt == "md" else to_json)(conversation, summary)
    return await asyncio.to_thread(write_export, text, conversation.id, fmt, directory)


def import_file(path: Path, store: ConversationStore | None) -> Conversation:
    """Read a JSON export; add it to ``store`` (if any) and return the conversation.

    Blocking (file and database IO): call it in a thread.

    Raises:
        OSError, UnicodeDecodeError: the file cannot be read.
        ValueError, StoreError: it is not a kimitui export, or cannot be saved.
    """
    text = path.read_text(encoding="utf-8")
    if store is None:
        return from_json(text).conversation
    return store.load(import_conversation(store, text))

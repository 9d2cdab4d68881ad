"""Opening the store at start-up, falling back to memory with one clear sentence.

The TUI, print mode and the ``export``/``import`` commands all open the
database the same way: from the data directory (``KIMITUI_HOME`` respected),
and not at all when saving is off (``--incognito`` or ``save = false``).
"""

from __future__ import annotations

from pathlib import Path

from kimitui.config import Settings
from kimitui.paths import data_dir
from kimitui.store.conversations import ConversationStore
from kimitui.store.database import DEFAULT_BUSY_TIMEOUT, StoreError, database_path

IN_MEMORY = "Conversations will not be saved this session."


def store_path() -> Path:
    """The conversation database's path."""
    return database_path(data_dir())


def open_store(
    settings: Settings, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
) -> tuple[ConversationStore | None, str | None]:
    """Open the conversation store, or explain why the app runs in memory.

    Returns:
        ``(store, None)`` when saving works; ``(None, None)`` when saving is
        off; ``(None, warning)`` when the database is locked, damaged or
        unwritable, ``warning`` being one sentence to show the user.
    """
    if not settings.save:
        return None, None
    try:
        return ConversationStore.open(store_path(), busy_timeout=busy_timeout), None
    except StoreError as error:
        return None, f"{error} {IN_MEMORY}"

"""Saved conversations: autosave, resume, history, search, export and import.

``open_store(settings)`` opens the SQLite database in the data directory (or
says in one sentence why it cannot, so the app can carry on in memory). A
``ConversationStore`` lists, loads, renames, deletes and searches saved
conversations; its ``recorder`` plugs into ``ChatSession`` to save every
message as it is written and streamed. Nothing here imports Textual or the
``openai`` SDK.
"""

from __future__ import annotations

from kimitui.store.conversations import ConversationStore
from kimitui.store.database import StoreError
from kimitui.store.opening import open_store
from kimitui.store.recorder import StoreRecorder
from kimitui.store.records import ConversationSummary
from kimitui.store.search import SearchHit

__all__ = [
    "ConversationStore",
    "ConversationSummary",
    "SearchHit",
    "StoreError",
    "StoreRecorder",
    "open_store",
]

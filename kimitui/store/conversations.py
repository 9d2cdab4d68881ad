"""ConversationStore: saved conversations and their messages in SQLite.

The store writes one message (and its conversation's row) per short
transaction, reads conversations back into ``Conversation`` objects, and
serves the history screen: summaries, rename, delete and search. Writes while
a reply streams come through ``StoreRecorder`` (``kimitui.store.recorder``),
which throttles them. Every public method raises ``StoreError`` with a plain
sentence rather than an ``sqlite3`` exception, and is safe to call from any
thread (one connection, one lock).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from kimitui.chat.conversation import ChatMessage, Conversation, new_id, utc_now
from kimitui.store.database import (
    DEFAULT_BUSY_TIMEOUT,
    StoreError,
    connect,
    describe,
    transaction,
)
from kimitui.store.recorder import StoreRecorder
from kimitui.store.records import (
    SUMMARY_SELECT,
    ConversationSummary,
    display_title,
    iso,
    parse_time,
    settle_crashed,
    state_from,
    summary_from_row,
)
from kimitui.store.search import SearchHit, search_messages


class ConversationStore:
    """Saved conversations in one SQLite database."""

    def __init__(self, db: sqlite3.Connection, path: Path, *, save_interval: float = 1.0) -> None:
        self._db = db
        self.path = path
        self._lock = threading.RLock()
        self.recorder = StoreRecorder(self, interval=save_interval)
        """Pass to ``ChatSession(recorder=...)`` to autosave a conversation."""

    @classmethod
    def open(cls, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> ConversationStore:
        """Open (creating and migrating as needed) the database at ``path``.

        Raises:
            StoreError: the database is locked, damaged, unwritable or too new.
        """
        return cls(connect(path, busy_timeout=busy_timeout), path)

    def close(self) -> None:
        """Write what the recorder still holds and close the database."""
        self.recorder.flush()
        with self._lock:
            self._db.close()

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise describe(error, self.path) from error

    # ---- writes ---------------------------------------------------------------------------

    def save_message(self, conversation: Conversation, message: ChatMessage) -> None:
        """Insert or update ``message``, creating the conversation's row on first save."""
        with self._using() as db, transaction(db):
            self._upsert_conversation(db, conversation)
            db.execute(
                """
                INSERT INTO messages
                    (id, conversation_id, role, content, reasoning, state, model, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    content = excluded.content, reasoning = excluded.reasoning,
                    state = excluded.state, model = excluded.model
                """,
                (
                    message.id,
                    conversation.id,
                    message.role,
                    message.content,
                    message.reasoning,
                    message.state.value,
                    message.model,
                    iso(message.created_at),
                ),
            )

    def delete_message(self, conversation: Conversation, message: ChatMessage) -> None:
        """Remove ``message`` (a dropped reply or a retried attempt)."""
        with self._using() as db, transaction(db):
            db.execute("DELETE FROM messages WHERE id = ?", (message.id,))
            if conversation.id is not None:
                db.execute(
                    "UPDATE conversations SET updated_at = ? WHERE id = ?",
                    (iso(utc_now()), conversation.id),
                )

    def save_conversation(self, conversation: Conversation) -> None:
        """Save the conversation's own fields (persona, model, ...) only."""
        with self._using() as db, transaction(db):
            self._upsert_conversation(db, conversation)

    def _upsert_conversation(self, db: sqlite3.Connection, conversation: Conversation) -> None:
        if conversation.id is None:
            conversation.id = new_id()
        now = utc_now()
        created = conversation.messages[0].created_at if conversation.messages else now
        db.execute(
            """
            INSERT INTO conversations
                (id, persona, model, system_prompt, temperature, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                persona = excluded.persona, model = excluded.model,
                system_prompt = excluded.system_prompt, temperature = excluded.temperature,
                updated_at = excluded.updated_at
            """,
            (
                conversation.id,
                conversation.persona,
                conversation.model,
                conversation.system_prompt,
                conversation.temperature,
                iso(min(created, now)),
                iso(now),
            ),
        )

    def insert_conversation(
        self,
        conversation: Conversation,
        *,
        title: str | None,
        created_at: datetime,
        updated_at: datetime,
    ) -> str:
        """Add a whole conversation as given (an import); returns its id.

        The conversation keeps its id unless that id is taken, when it (and
        its messages) get fresh ones.
        """
        with self._using() as db, transaction(db):
            taken = conversation.id is None or self._exists(db, conversation.id)
            if taken or any(self._message_exists(db, m.id) for m in conversation.messages):
                conversation.id = new_id()
                for message in conversation.messages:
                    message.id = new_id()
            db.execute(
                """
                INSERT INTO conversations (id, title, persona, model, system_prompt,
                    temperature, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    conversation.id,
                    title,
                    conversation.persona,
                    conversation.model,
                    conversation.system_prompt,
                    conversation.temperature,
                    iso(created_at),
                    iso(updated_at),
                ),
            )
            db.executemany(
                """
                INSERT INTO messages (id, conversation_id, role, content, reasoning, state,
                    model, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    (
                        m.id,
                        conversation.id,
                        m.role,
                        m.content,
                        m.reasoning,
                        m.state.value,
                        m.model,
                        iso(m.created_at),
                    )
                    for m in conversation.messages
                ],
            )
        assert conversation.id is not None
        return conversation.id

    def rename(self, conversation_id: str, title: str | None) -> None:
        """Set the title; an empty or ``None`` title goes back to the first user line."""
        full = self.resolve(conversation_id)
        with self._using() as db, transaction(db):
            db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?",
                ((title or "").strip() or None, full),
            )

    def delete(self, conversation_id: str) -> None:
        """Delete a conversation and all its messages."""
        full = self.resolve(conversation_id)
        with self._using() as db, transaction(db):
            db.execute("DELETE FROM messages WHERE conversation_id = ?", (full,))
            db.execute("DELETE FROM conversations WHERE id = ?", (full,))

    # ---- reads ----------------------------------------------------------------------------

    def resolve(self, conversation_id: str) -> str:
        """The full id of the conversation whose id is or starts with ``conversation_id``.

        Raises:
            StoreError: no conversation, or more than one, matches.
        """
        prefix = conversation_id.strip().lower()
        with self._using() as db:
            rows = db.execute(
                "SELECT id FROM conversations WHERE substr(id, 1, length(?)) = ? LIMIT 2",
                (prefix, prefix),
            ).fetchall()
        if not prefix or not rows:
            raise StoreError(f"No saved conversation has the id {conversation_id!r}.")
        if len(rows) > 1:
            raise StoreError(f"More than one conversation starts with {conversation_id!r}.")
        found: str = rows[0][0]
        return found

    def list_conversations(self, limit: int | None = None) -> list[ConversationSummary]:
        """Summaries of saved conversations, most recently updated first."""
        with self._using() as db:
            rows = db.execute(
                f"{SUMMARY_SELECT} ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [summary_from_row(row) for row in rows]

    def summary(self, conversation_id: str) -> ConversationSummary:
        """The summary of one conversation."""
        full = self.resolve(conversation_id)
        with self._using() as db:
            row = db.execute(f"{SUMMARY_SELECT} WHERE c.id = ?", (full,)).fetchone()
        if row is None:
            raise StoreError(f"No saved conversation has the id {conversation_id!r}.")
        return summary_from_row(row)

    def load(self, conversation_id: str) -> Conversation:
        """The saved conversation, ready to continue.

        A reply still marked streaming was cut off by a crash: it loads as
        incomplete (or is dropped if empty) and the message it answered as
        failed, exactly as if the stream had broken off while the app ran.
        """
        full = self.resolve(conversation_id)
        with self._using() as db:
            head = db.execute(
                "SELECT persona, model, system_prompt, temperature FROM conversations WHERE id = ?",
                (full,),
            ).fetchone()
            rows = db.execute(
                "SELECT id, role, content, reasoning, state, model, created_at FROM messages "
                "WHERE conversation_id = ? ORDER BY seq",
                (full,),
            ).fetchall()
        if head is None:
            raise StoreError(f"No saved conversation has the id {conversation_id!r}.")
        persona, model, system_prompt, temperature = head
        messages = [
            ChatMessage(
                role,
                content,
                state_from(state),
                reasoning,
                message_model,
                id=message_id,
                created_at=parse_time(created_at),
            )
            for message_id, role, content, reasoning, state, message_model, created_at in rows
        ]
        return Conversation(
            system_prompt=system_prompt,
            model=model,
            persona=persona,
            temperature=temperature,
            messages=settle_crashed(messages),
            id=full,
        )

    def latest(self) -> Conversation | None:
        """The most recently updated conversation, or ``None`` if there is none."""
        summaries = self.list_conversations(limit=1)
        return self.load(summaries[0].id) if summaries else None

    def search(self, query: str, limit: int = 100) -> list[SearchHit]:
        """Messages containing every word of ``query`` (any case), newest first."""
        with self._using() as db:
            return search_messages(db, query, limit, title_of=display_title)

    @staticmethod
    def _exists(db: sqlite3.Connection, conversation_id: str) -> bool:
        row = db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,))
        return row.fetchone() is not None

    @staticmethod
    def _message_exists(db: sqlite3.Connection, message_id: str) -> bool:
        return (
            db.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone() is not None
        )

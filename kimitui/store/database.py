"""The conversation database: opening it safely and migrating its schema.

One SQLite file in the data directory, in WAL mode so a reader never blocks
the writer and two kimitui processes can save side by side. Every write is a
short ``BEGIN IMMEDIATE`` transaction and waits up to ``busy_timeout`` for
another writer, so concurrent processes queue instead of failing.

The schema is versioned with ``PRAGMA user_version``: ``MIGRATIONS`` is an
ordered list (as in ``llm``'s ``migrations.py``) and a database at version
*n* runs migrations *n+1..* in one transaction each. Migrations are only ever
appended, never edited, so every old file has a path to the current shape.
Opening fails with a ``StoreError`` whose message says what is wrong (locked,
damaged, unwritable, from a newer kimitui) in one plain sentence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kimitui.errors import KimituiError

DATABASE_NAME = "conversations.db"
DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds a write waits for another process's write to finish."""

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(step: Migration) -> Migration:
    """Register ``step`` as the next migration (order of definition is the order run)."""
    MIGRATIONS.append(step)
    return step


class StoreError(KimituiError):
    """The conversation database cannot be used; ``str()`` is one sentence for the user."""


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    """Conversations and their messages, in order."""
    db.execute(
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT,  -- NULL: shown as the first line of the first user message
            persona TEXT NOT NULL,
            model TEXT NOT NULL,
            system_prompt TEXT NOT NULL,
            temperature REAL,
            created_at TEXT NOT NULL,  -- ISO 8601, UTC, microseconds: sorts as text
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE messages (
            seq INTEGER PRIMARY KEY,  -- the order of messages; also the FTS rowid
            id TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            reasoning TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            model TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX messages_by_conversation ON messages (conversation_id, seq)")
    db.execute("CREATE INDEX conversations_by_update ON conversations (updated_at)")


@migration
def m002_search(db: sqlite3.Connection) -> None:
    """Full-text search over message text, kept in sync by triggers.

    The trigram tokenizer matches any substring in any script (Chinese has no
    spaces between words, so word tokenizers find almost nothing in it). It
    needs SQLite 3.34; older ones get word search. Without FTS5 at all the
    store falls back to a scan, so saving never depends on search.
    """
    tokenizer = "trigram" if sqlite3.sqlite_version_info >= (3, 34, 0) else "unicode61"
    try:
        db.execute(
            "CREATE VIRTUAL TABLE messages_fts USING fts5("
            f"content, content='messages', content_rowid='seq', tokenize='{tokenizer}')"
        )
    except sqlite3.OperationalError as error:
        if "fts5" not in str(error):
            raise
        return
    db.execute(
        """
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
            VALUES ('delete', old.seq, old.content);
        END
        """
    )
    # Only content changes touch the index: streaming updates rewrite the row
    # about once a second, and state-only updates should not reindex.
    db.execute(
        """
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
            VALUES ('delete', old.seq, old.content);
            INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
        END
        """
    )
    # Messages saved at version 1 become searchable too.
    db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")


SCHEMA_VERSION = len(MIGRATIONS)


def database_path(data_dir: Path) -> Path:
    """Where the conversation database lives inside ``data_dir``."""
    return data_dir / DATABASE_NAME


def connect(path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``.

    The connection is in autocommit mode: callers group writes with
    ``transaction()``. It may be used from any thread, one at a time.

    Raises:
        StoreError: the database is locked, damaged, unwritable or too new.
    """
    try:
        # Conversations are private: only the user may list or read them.
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        new = not path.exists()
    except OSError as error:
        raise StoreError(
            f"Cannot create the data directory {path.parent} ({error.strerror or error})."
        ) from error
    try:
        db = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as error:
        raise describe(error, path) from error
    try:
        if new:
            # SQLite gives the -wal and -shm files the same mode as this one.
            path.chmod(0o600)
        db.execute("PRAGMA journal_mode = WAL")
        # With WAL, NORMAL survives a crashed process (only power loss can
        # drop the last commits) and commits without an fsync each.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        # Take the write lock once now, so a locked or read-only database is
        # reported at start-up rather than at the first message.
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    except sqlite3.Error as error:
        db.close()
        raise describe(error, path) from error
    except OSError as error:
        db.close()
        raise StoreError(f"Cannot write the conversation database {path} ({error}).") from error
    except StoreError:
        db.close()
        raise
    return db


def schema_version(db: sqlite3.Connection) -> int:
    """The schema version recorded in the file (0 for a new file)."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: sqlite3.Connection, migrations: list[Migration] | None = None) -> None:
    """Bring ``db`` up to the latest version (or to ``len(migrations)``).

    Each step runs in its own ``BEGIN IMMEDIATE`` transaction and re-reads
    the version inside it, so two processes starting at once cannot both run
    the same migration.

    Raises:
        StoreError: the file was written by a newer kimitui.
    """
    steps = MIGRATIONS if migrations is None else migrations
    if schema_version(db) > len(MIGRATIONS):
        raise StoreError(
            f"The conversation database has schema version {schema_version(db)}, "
            f"newer than this kimitui understands ({len(MIGRATIONS)}); upgrade kimitui."
        )
    while schema_version(db) < len(steps):
        with transaction(db):
            version = schema_version(db)
            if version < len(steps):
                steps[version](db)
                # PRAGMA cannot take parameters; the value is our own integer.
                db.execute(f"PRAGMA user_version = {version + 1}")


def describe(error: sqlite3.Error, path: Path) -> StoreError:
    """Turn an SQLite error into a sentence that says what the user can do."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreError(f"The conversation database {path} is locked by another program.")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"The conversation database {path} is damaged ({text}); move it away to start afresh."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StoreError(f"Cannot write the conversation database {path} ({text}).")
    return StoreError(f"The conversation database {path} failed: {text}.")


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction, taking the write lock up front.

    ``IMMEDIATE`` waits (up to the busy timeout) for another writer at BEGIN
    rather than failing mid-transaction when a read would need upgrading.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        # Also after a failed COMMIT, so the next write does not find a
        # transaction still open.
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise

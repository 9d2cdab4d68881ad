"""Schema versions and migrations, and the failure paths: locked, damaged, unwritable."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kimitui.config import Settings
from kimitui.store import ConversationStore, open_store
from kimitui.store.database import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from kimitui.store.opening import store_path


def test_a_new_database_is_current_and_in_wal_mode() -> None:
    store, warning = open_store(Settings())
    assert store is not None and warning is None
    try:
        assert store.path == store_path() and store.path.is_file()
        assert schema_version(store._db) == SCHEMA_VERSION >= 2
        assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        # Conversations are private.
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    finally:
        store.close()


def test_nothing_is_opened_or_created_when_saving_is_off() -> None:
    assert open_store(Settings(save=False)) == (None, None)
    assert not store_path().exists()


def test_a_database_from_the_previous_version_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    migrate(old, MIGRATIONS[: SCHEMA_VERSION - 1])
    assert schema_version(old) == SCHEMA_VERSION - 1
    # Rows as the previous release wrote them.
    old.execute(
        "INSERT INTO conversations VALUES ('c0ffee', NULL, 'kimi', 'moonshot-v1-8k', 'sys', 0.3,"
        " '2024-05-01T10:00:00.000000+00:00', '2024-05-01T10:01:00.000000+00:00')"
    )
    old.executemany(
        "INSERT INTO messages (id, conversation_id, role, content, reasoning, state, model,"
        " created_at) VALUES (?, 'c0ffee', ?, ?, '', 'complete', ?, ?)",
        [
            ("m1", "user", "Tell me about platypuses", None, "2024-05-01T10:00:00.000000+00:00"),
            ("m2", "assistant", "They lay eggs.", "moonshot-v1-8k", "2024-05-01T10:00:05+00:00"),
        ],
    )
    old.close()

    store = ConversationStore.open(path)
    try:
        assert schema_version(store._db) == SCHEMA_VERSION
        [hit] = store.search("platypus")
        assert (hit.conversation_id, hit.role) == ("c0ffee", "user")
        loaded = store.load("c0ffee")
        assert [m.content for m in loaded.messages] == [
            "Tell me about platypuses",
            "They lay eggs.",
        ]
        assert loaded.model == "moonshot-v1-8k"
        [summary] = store.list_conversations()
        assert (summary.title, summary.message_count) == ("Tell me about platypuses", 2)
    finally:
        store.close()


def test_a_database_from_a_newer_kimitui_is_left_alone() -> None:
    path = store_path()
    path.parent.mkdir(parents=True)
    newer = sqlite3.connect(path)
    newer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer.close()
    store, warning = open_store(Settings())
    assert store is None
    assert warning is not None and "upgrade kimitui" in warning
    assert warning.endswith("Conversations will not be saved this session.")


def test_a_damaged_file_gives_one_clear_line() -> None:
    path = store_path()
    path.parent.mkdir(parents=True)
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    store, warning = open_store(Settings())
    assert store is None and warning is not None
    assert "is damaged" in warning and str(path) in warning and "move it away" in warning
    assert "\n" not in warning
    assert path.read_bytes() == garbage  # never "repaired" by overwriting the user's file


def test_a_locked_database_gives_one_clear_line() -> None:
    first, _ = open_store(Settings())
    assert first is not None
    first.close()
    # Another program holds the write lock and does not let go in time.
    holder = sqlite3.connect(store_path(), isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store, warning = open_store(Settings(), busy_timeout=0.2)
        assert store is None and warning is not None
        assert "is locked by another program" in warning
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_an_unwritable_data_directory_gives_one_clear_line() -> None:
    # A file where the data directory should be (works even as root).
    store_path().parent.parent.mkdir(parents=True)
    store_path().parent.write_text("not a directory")
    store, warning = open_store(Settings())
    assert store is None and warning is not None
    assert warning.startswith(f"Cannot create the data directory {store_path().parent}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_data_directory_gives_one_clear_line() -> None:
    store_path().parent.mkdir(parents=True)
    store_path().parent.chmod(0o500)
    try:
        store, warning = open_store(Settings())
        assert store is None and warning is not None and "Cannot write" in warning
    finally:
        store_path().parent.chmod(0o700)


WRITER = """
import sys, time
from pathlib import Path
from kimitui.chat.conversation import ChatMessage, Conversation
from kimitui.store import ConversationStore
from kimitui.store.opening import store_path

name, shared_id, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = ConversationStore.open(store_path(), busy_timeout=30)
own = Conversation("sys", "m", persona=name)
shared = Conversation("sys", "m", id=shared_id)
while not Path("go").exists():  # start together, so the writes really overlap
    time.sleep(0.01)
for index in range(count):
    for chat in (own, shared):
        message = ChatMessage("user", f"{name} {index}")
        chat.messages.append(message)
        store.save_message(chat, message)
        message.content += " edited"
        store.save_message(chat, message)
store.close()
"""


def test_two_processes_writing_at_once_do_not_corrupt_each_other() -> None:
    ConversationStore.open(store_path()).close()
    count = 300
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, name, "shared", str(count)])
        for name in ("alpha", "beta")
    ]
    Path("go").touch()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]

    store = ConversationStore.open(store_path())
    try:
        assert store._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        by_persona = {s.persona: s for s in store.list_conversations()}
        for name in ("alpha", "beta"):
            own = store.load(by_persona[name].id)
            assert [m.content for m in own.messages] == [
                f"{name} {index} edited" for index in range(count)
            ]
        shared = [m.content for m in store.load("shared").messages]
        assert len(shared) == 2 * count
        for name in ("alpha", "beta"):  # interleaved, but each writer's order kept
            assert [c for c in shared if c.startswith(name)] == [
                f"{name} {index} edited" for index in range(count)
            ]
        assert len(store.search("edited", limit=10_000)) == 4 * count
    finally:
        store.close()

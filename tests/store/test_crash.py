"""Killing kimitui with SIGKILL mid-reply loses at most the last second of text."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from kimitui.chat.conversation import MessageState
from kimitui.store import ConversationStore
from kimitui.store.opening import store_path
from tests.fakeserver import FakeMoonshot, Reply

CHUNK, DELAY = 4, 0.05
CHARS_PER_SECOND = CHUNK / DELAY
LONG_REPLY = "".join(f"word{index:04d} " for index in range(2000))


@pytest.fixture
def server() -> Iterator[FakeMoonshot]:
    with FakeMoonshot() as fake:
        yield fake


def kimitui(server: FakeMoonshot, *args: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a ``kimitui`` run against ``server``."""
    env = dict(os.environ, MOONSHOT_API_KEY=server.api_key, MOONSHOT_BASE_URL=server.base_url)
    return [sys.executable, "-m", "kimitui", *args], env


def run(server: FakeMoonshot, *args: str) -> subprocess.CompletedProcess[str]:
    command, env = kimitui(server, *args)
    return subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )


def start_and_kill_after(server: FakeMoonshot, shown: int, *args: str) -> str:
    """Run kimitui, read its reply until ``shown`` characters are out, then SIGKILL it."""
    command, env = kimitui(server, *args)
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert process.stdout is not None
    seen = b""
    deadline = time.monotonic() + 60
    while len(seen) < shown and time.monotonic() < deadline:
        chunk = os.read(process.stdout.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    process.kill()
    process.wait(timeout=10)
    process.stdout.close()
    assert process.returncode == -9
    return seen.decode()


def test_a_killed_reply_is_kept_and_continue_picks_up_the_conversation(
    server: FakeMoonshot,
) -> None:
    server.enqueue(Reply("Paris."))
    assert run(server, "-p", "capital of France?").returncode == 0

    server.enqueue(Reply(LONG_REPLY, chunk_size=CHUNK, delay=DELAY))
    seen = start_and_kill_after(server, 250, "--continue", "-p", "tell me everything")
    assert len(seen) >= 250 and LONG_REPLY.startswith(seen)

    store = ConversationStore.open(store_path())
    try:
        states = store._db.execute("SELECT role, state FROM messages ORDER BY seq").fetchall()
        # Nobody got to settle the reply: the file says it was still arriving.
        assert states[2:] == [("user", "complete"), ("assistant", "streaming")]
        resumed = store.latest()
    finally:
        store.close()
    assert resumed is not None
    question, partial = resumed.messages[2:]
    assert (question.content, partial.role) == ("tell me everything", "assistant")
    assert LONG_REPLY.startswith(partial.content)
    # At most the last second of what was on screen is missing (plus scheduling slack).
    assert len(partial.content) >= len(seen) - 1.5 * CHARS_PER_SECOND
    assert (question.state, partial.state) == (MessageState.FAILED, MessageState.INCOMPLETE)

    server.enqueue(Reply("Berlin."))
    result = run(server, "--continue", "-p", "and Germany?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Berlin.\n"
    request = server.chat_requests[-1].json
    assert request is not None
    # The cut-off exchange is shown and retryable but, as always, not resent.
    assert request["messages"][1:] == [
        {"role": "user", "content": "capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "and Germany?"},
    ]
    store = ConversationStore.open(store_path())
    try:
        [summary] = store.list_conversations()
        final = store.load(summary.id)
    finally:
        store.close()
    assert [m.content for m in final.messages] == [
        "capital of France?",
        "Paris.",
        "tell me everything",
        partial.content,
        "and Germany?",
        "Berlin.",
    ]

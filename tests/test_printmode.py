"""Print mode as scripts use it: a real ``kimitui`` process against the fake server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeserver import FakeMoonshot, Fault, Reply

CANARY_KEY = "sk-canary-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[FakeMoonshot]:
    with FakeMoonshot(api_key=CANARY_KEY) as fake:
        yield fake


def run_kimitui(
    server: FakeMoonshot, *args: str, stdin: str | None = None, config: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["MOONSHOT_API_KEY"] = server.api_key
    env["MOONSHOT_BASE_URL"] = server.base_url
    if config is not None:
        Path("config.toml").write_text(config)
        args = ("--config", "config.toml", *args)
    return subprocess.run(
        [sys.executable, "-m", "kimitui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_prints_the_reply_and_exits_0(server: FakeMoonshot) -> None:
    server.enqueue(Reply(text="# Answer\n\nIt is **42**."))
    result = run_kimitui(server, "-p", "what is the answer?")
    assert result.returncode == 0, result.stderr
    # stdout is a pipe: plain text, exactly as sent.
    assert result.stdout == "# Answer\n\nIt is **42**.\n"
    assert result.stderr == ""
    request = server.chat_requests[0].json
    assert request is not None
    assert request["messages"][-1] == {"role": "user", "content": "what is the answer?"}
    assert request["stream"] is True


def test_piped_stdin_is_sent_below_the_prompt(server: FakeMoonshot) -> None:
    diff = "--- a/x.py\n+++ b/x.py\n+print('hi')\n"
    result = run_kimitui(server, "-p", "review this", stdin=diff)
    assert result.returncode == 0, result.stderr
    request = server.chat_requests[0].json
    assert request is not None
    assert request["messages"][-1]["content"] == "review this\n\n" + diff.rstrip("\n")


def test_stdin_alone_is_enough(server: FakeMoonshot) -> None:
    result = run_kimitui(server, "-p", stdin="just stdin")
    assert result.returncode == 0, result.stderr
    request = server.chat_requests[0].json
    assert request is not None
    assert request["messages"][-1]["content"] == "just stdin"


def test_persona_sets_the_system_prompt(server: FakeMoonshot) -> None:
    from kimitui.personas import BUILTIN_PERSONAS

    result = run_kimitui(server, "--persona", "sarcastic", "-p", "hi")
    assert result.returncode == 0, result.stderr
    request = server.chat_requests[0].json
    assert request is not None
    assert request["messages"][0] == {
        "role": "system",
        "content": BUILTIN_PERSONAS["sarcastic"].system,
    }


def test_no_stream_asks_for_one_completion(server: FakeMoonshot) -> None:
    server.enqueue(Reply(text="whole"))
    result = run_kimitui(server, "--no-stream", "-p", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "whole\n"
    request = server.chat_requests[0].json
    assert request is not None
    assert not request.get("stream")


def test_model_and_temperature_flags_reach_the_request(server: FakeMoonshot) -> None:
    result = run_kimitui(server, "--model", "moonshot-v1-32k", "--temperature", "0.7", "-p", "x")
    assert result.returncode == 0, result.stderr
    request = server.chat_requests[0].json
    assert request is not None
    assert (request["model"], request["temperature"]) == ("moonshot-v1-32k", 0.7)


def test_bad_key_exits_1_with_one_line(server: FakeMoonshot) -> None:
    server.enqueue(Fault.auth())
    result = run_kimitui(server, "-p", "hi")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("kimitui: The API key was rejected")


def test_retryable_failure_exits_75(server: FakeMoonshot) -> None:
    server.enqueue(Fault.overloaded())
    result = run_kimitui(server, "-p", "hi", config="max_retries = 0\n")
    assert result.returncode == 75
    assert "overloaded" in result.stderr


def test_quota_exits_1(server: FakeMoonshot) -> None:
    server.enqueue(Fault.quota())
    result = run_kimitui(server, "-p", "hi")
    assert result.returncode == 1
    assert "balance" in result.stderr


def test_cut_off_stream_prints_partial_and_exits_75(server: FakeMoonshot) -> None:
    server.default_reply = Reply(text="partial text that never ends")
    server.enqueue(Fault.drop(after_chars=12))
    result = run_kimitui(server, "-p", "hi", config="max_retries = 0\n")
    assert result.returncode == 75
    assert result.stdout.startswith("partial text")
    assert "dropped in the middle of the reply" in result.stderr


def test_control_sequences_and_markup_are_not_executed(server: FakeMoonshot) -> None:
    server.enqueue(Reply(text="[bold red]x[/] \x1b[2J\x1b]52;c;ZXZpbA==\x07 done"))
    result = run_kimitui(server, "-p", "hi")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "[bold red]x[/]" in result.stdout


def test_key_never_appears_in_output_or_files(server: FakeMoonshot, hermetic: Path) -> None:
    server.enqueue(Fault.auth())
    failed = run_kimitui(server, "-p", "hi")
    ok = run_kimitui(server, "-p", "hi")
    for result in (failed, ok):
        assert CANARY_KEY not in result.stdout + result.stderr
    written = [p for p in hermetic.rglob("*") if p.is_file()] if hermetic.exists() else []
    for path in written:
        assert CANARY_KEY.encode() not in path.read_bytes(), path

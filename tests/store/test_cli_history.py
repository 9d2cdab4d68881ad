"""The history flags and commands, end to end in print mode against the fake server."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kimitui.chat.conversation import MessageState
from kimitui.cli import main
from kimitui.store import ConversationStore
from kimitui.store.opening import store_path
from tests.fakeserver import FakeMoonshot, Reply


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMoonshot]:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # nothing piped
    with FakeMoonshot() as fake:
        monkeypatch.setenv("MOONSHOT_API_KEY", fake.api_key)
        monkeypatch.setenv("MOONSHOT_BASE_URL", fake.base_url)
        yield fake


def saved() -> list[list[tuple[str, str, MessageState]]]:
    """Every saved conversation's messages, newest conversation first."""
    store = ConversationStore.open(store_path())
    try:
        return [
            [(m.role, m.content, m.state) for m in store.load(s.id).messages]
            for s in store.list_conversations()
        ]
    finally:
        store.close()


def sent_messages(server: FakeMoonshot) -> list[dict[str, str]]:
    request = server.chat_requests[-1].json
    assert request is not None
    return [m for m in request["messages"] if m["role"] != "system"]


def test_print_mode_saves_its_exchange(server: FakeMoonshot) -> None:
    server.enqueue(Reply("Forty-two."))
    assert main(["-p", "the answer?"]) == 0
    assert saved() == [
        [
            ("user", "the answer?", MessageState.COMPLETE),
            ("assistant", "Forty-two.", MessageState.COMPLETE),
        ]
    ]


def test_continue_and_resume_carry_the_history(
    server: FakeMoonshot, capsys: pytest.CaptureFixture[str]
) -> None:
    server.enqueue(Reply("Paris."), Reply("Berlin."), Reply("2.1 million."), Reply("3.7 million."))
    assert main(["-p", "capital of France?"]) == 0
    assert main(["-p", "capital of Germany?"]) == 0
    assert main(["--continue", "-p", "population?"]) == 0
    assert sent_messages(server) == [
        {"role": "user", "content": "capital of Germany?"},
        {"role": "assistant", "content": "Berlin."},
        {"role": "user", "content": "population?"},
    ]
    store = ConversationStore.open(store_path())
    france = store.list_conversations()[-1]
    store.close()
    assert main(["--resume", france.id[:8], "-p", "population?"]) == 0
    assert sent_messages(server) == [
        {"role": "user", "content": "capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "population?"},
    ]
    assert [len(messages) for messages in saved()] == [4, 4]
    assert capsys.readouterr().err == ""


def test_continue_with_nothing_saved_starts_a_new_conversation(
    server: FakeMoonshot, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-c", "-p", "hello"]) == 0
    assert "No saved conversation yet" in capsys.readouterr().err
    assert len(saved()) == 1


def test_model_flag_applies_to_a_resumed_conversation(server: FakeMoonshot) -> None:
    assert main(["-p", "hello"]) == 0
    assert main(["-c", "--model", "moonshot-v1-32k", "-p", "again"]) == 0
    request = server.chat_requests[-1].json
    assert request is not None and request["model"] == "moonshot-v1-32k"
    store = ConversationStore.open(store_path())
    assert [s.model for s in store.list_conversations()] == ["moonshot-v1-32k"]
    store.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--resume", "-p", "hi"], "--resume needs a conversation ID with -p"),
        (["--resume", "0123abcd", "-p", "hi"], "No saved conversation has the id '0123abcd'"),
    ],
)
def test_resume_usage_errors(
    server: FakeMoonshot, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert server.chat_requests == []


def test_incognito_saves_nothing(server: FakeMoonshot) -> None:
    assert main(["--incognito", "-p", "secret"]) == 0
    assert sent_messages(server)[-1] == {"role": "user", "content": "secret"}
    assert not store_path().exists()


def test_incognito_cannot_be_combined_with_resuming(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--incognito", "--continue"])
    assert raised.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_save_false_in_the_config_saves_nothing(
    server: FakeMoonshot, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("config.toml").write_text("save = false\n")
    assert main(["--config", "config.toml", "-p", "secret"]) == 0
    assert not store_path().exists()
    assert main(["--config", "config.toml", "-c", "-p", "more"]) == 2
    assert "saving is off" in capsys.readouterr().err


def test_a_damaged_database_warns_once_and_the_reply_still_comes(
    server: FakeMoonshot, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path().parent.mkdir(parents=True)
    store_path().write_bytes(b"\x00garbage" * 1000)
    server.enqueue(Reply("Still here."))
    assert main(["-p", "hello"]) == 0
    out, err = capsys.readouterr()
    assert out == "Still here.\n"
    assert err.count("\n") == 1
    assert "is damaged" in err and "will not be saved" in err


def test_list_export_and_import_commands(
    server: FakeMoonshot, capsys: pytest.CaptureFixture[str]
) -> None:
    server.enqueue(Reply("**Bold** answer."))
    assert main(["-p", "a question\nwith two lines"]) == 0
    capsys.readouterr()

    assert main(["list"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    short_id = line.split()[0]
    assert line.endswith("kimi        a question")

    assert main(["export", short_id]) == 0
    markdown = capsys.readouterr().out
    assert '\ntitle: "a question"\npersona: "kimi"\n' in markdown
    assert markdown.endswith("## Kimi\n\n**Bold** answer.\n")

    assert main(["export", short_id, "--format", "json", "-o", "export.json"]) == 0
    document = json.loads(Path("export.json").read_text(encoding="utf-8"))
    assert document["id"].startswith(short_id)
    assert [m["content"] for m in document["messages"]] == [
        "a question\nwith two lines",
        "**Bold** answer.",
    ]

    assert main(["import", "export.json"]) == 0
    copy_id = capsys.readouterr().out.strip()
    assert copy_id != document["id"]
    assert main(["list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2

    assert main(["export", "ffffffff"]) == 2
    assert "No saved conversation" in capsys.readouterr().err
    assert main(["import", "missing.json"]) == 1
    assert "missing.json" in capsys.readouterr().err


def test_help_lists_the_commands_and_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for text in ("--continue", "--resume", "--incognito", "kimitui export ID", "kimitui import"):
        assert text in out

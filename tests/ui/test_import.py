"""Importing a JSON export from the app: it joins the history and opens."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.notifications import Notify

from kimitui.chat.conversation import ChatMessage, Conversation
from kimitui.cli import make_provider
from kimitui.store import ConversationStore
from kimitui.store.export import to_json
from kimitui.ui.app import KimiApp
from kimitui.ui.screens.import_file import ImportScreen
from tests.fakeserver import FakeMoonshot
from tests.ui.conftest import MakeSettings
from tests.ui.helpers import chat_screen, screen_text, wait_until


def exported(tmp_path: Path) -> Path:
    conversation = Conversation(
        system_prompt="Be brief.",
        model="moonshot-v1-32k",
        persona="kimi",
        messages=[ChatMessage("user", "What is [bold]x[/]?"), ChatMessage("assistant", "A tag.")],
    )
    path = tmp_path / "chat.json"
    path.write_text(to_json(conversation), encoding="utf-8")
    return path


async def test_import_adds_to_the_history_and_continues_it(
    server: FakeMoonshot, make_settings: MakeSettings, store: ConversationStore, tmp_path: Path
) -> None:
    path = exported(tmp_path)
    app = KimiApp(make_settings(), make_provider, store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        chat_screen(pilot).action_import()
        await wait_until(pilot, lambda: isinstance(app.screen, ImportScreen))
        await pilot.press(*str(path), "enter")
        await wait_until(pilot, lambda: "Imported" in screen_text(pilot))
        assert "What is [bold]x[/]?" in screen_text(pilot)
        assert [s.title for s in store.list_conversations()] == ["What is [bold]x[/]?"]
        await pilot.press(*"more", "enter")
        await wait_until(pilot, lambda: bool(server.chat_requests))
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        request = server.chat_requests[0].json
        assert request is not None
        assert request["model"] == "moonshot-v1-32k"
        assert [m["content"] for m in request["messages"]] == [
            "Be brief.",
            "What is [bold]x[/]?",
            "A tag.",
            "more",
        ]


async def test_a_bad_file_is_reported_and_nothing_changes(
    make_settings: MakeSettings, store: ConversationStore, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "an export"}')
    app = KimiApp(make_settings(), make_provider, store=store)
    notes: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        for path in (bad, tmp_path / "missing.json"):
            notes.clear()
            chat_screen(pilot).action_import()
            await wait_until(pilot, lambda: isinstance(app.screen, ImportScreen))
            await pilot.press(*str(path), "enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, ImportScreen))
            await wait_until(pilot, lambda: any("Could not import" in n for n in notes))
        assert store.list_conversations() == []
        assert not chat_screen(pilot).conversation.messages

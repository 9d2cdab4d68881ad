"""Saved conversations in the TUI: autosave, resume, the history screen, export.

Apps are wired as the CLI wires them (``KimiApp(settings, make_provider,
store=...)``) against the fake server; what was saved is checked through a
second, freshly opened store, as another kimitui process would see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Input

from kimitui.chat.conversation import Conversation, MessageState
from kimitui.cli import Launch, build_parser, make_provider, prepare_launch
from kimitui.personas import BUILTIN_PERSONAS
from kimitui.store import ConversationStore, StoreError
from kimitui.store.opening import store_path
from kimitui.ui.app import KimiApp
from kimitui.ui.screens.confirm import ConfirmScreen
from kimitui.ui.screens.history import HistoryScreen
from kimitui.ui.screens.rename import RenameScreen
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeSettings
from tests.ui.helpers import chat_screen, replies, save_conversation, screen_text, wait_until

SIZE = (100, 30)

MakeStoreApp = Callable[..., KimiApp]


@pytest.fixture
def make_app(make_settings: MakeSettings, store: ConversationStore) -> MakeStoreApp:
    """A ``KimiApp`` with the test's store (none when ``incognito``), as the CLI builds it."""

    def build(
        *,
        incognito: bool = False,
        resume: Conversation | None = None,
        pick: bool = False,
        store_warning: str | None = None,
        notice: str | None = None,
    ) -> KimiApp:
        return KimiApp(
            make_settings(),
            make_provider,
            store=None if incognito else store,
            resume=resume,
            pick=pick,
            store_warning=store_warning,
            notice=notice,
        )

    return build


@pytest.fixture
def notes() -> list[Notification]:
    """Notifications the app posts (pass ``record(notes)`` as ``message_hook``)."""
    return []


def record(notes: list[Notification]) -> Callable[[Message], None]:
    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification)

    return hook


@pytest.fixture
def reopened() -> Iterator[Callable[[], ConversationStore]]:
    """Opens a second store on the same file, as another process would; closed afterwards."""
    opened: list[ConversationStore] = []

    def open_again() -> ConversationStore:
        opened.append(ConversationStore.open(store_path()))
        return opened[-1]

    yield open_again
    for other in opened:
        other.close()


def history(pilot: Pilot[None]) -> HistoryScreen:
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen), f"expected the history, got {screen!r}"
    return screen


async def open_history(pilot: Pilot[None], rows: int | None = None) -> HistoryScreen:
    """Press ctrl+o and wait until the list has ``rows`` rows (if given)."""
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
    if rows is not None:
        await wait_until(pilot, lambda: history(pilot).table.row_count == rows)
    return history(pilot)


def sent(server: FakeMoonshot, index: int = -1) -> list[tuple[str, str]]:
    body = server.chat_requests[index].json
    return [(m["role"], m["content"]) for m in body["messages"]]


@pytest.fixture
def three(store: ConversationStore) -> list[str]:
    """Three saved conversations (oldest first): France, Python, Rome."""
    return [
        save_conversation(
            store, ("user", "Capital of France?"), ("assistant", "Paris, by the Seine."), day=1
        ),
        save_conversation(
            store,
            ("user", "Best way to loop with an index?"),
            ("assistant", "Use `enumerate`."),
            day=2,
            persona="coder",
        ),
        save_conversation(
            store, ("user", "Capital of Italy?"), ("assistant", "Rome, on the Tiber."), day=3
        ),
    ]


# ---- autosave and resume ---------------------------------------------------------------


async def test_a_chat_exchange_is_saved(
    server: FakeMoonshot, make_app: MakeStoreApp, reopened: Callable[[], ConversationStore]
) -> None:
    server.enqueue(Reply(text="Paris."))
    async with make_app().run_test(size=SIZE) as pilot:
        await pilot.press(*"Capital of France?", "enter")
        await wait_until(pilot, lambda: bool(replies(pilot)) and not chat_screen(pilot).streaming)
        saved_id = chat_screen(pilot).conversation.id

    other = reopened()
    [summary] = other.list_conversations()
    assert summary.id == saved_id
    assert summary.title == "Capital of France?"
    assert summary.persona == "kimi"
    assert [(m.role, m.content, m.state) for m in other.load(summary.id).messages] == [
        ("user", "Capital of France?", MessageState.COMPLETE),
        ("assistant", "Paris.", MessageState.COMPLETE),
    ]


async def test_a_resumed_conversation_is_shown_and_the_next_request_carries_it(
    server: FakeMoonshot,
    make_app: MakeStoreApp,
    store: ConversationStore,
    reopened: Callable[[], ConversationStore],
) -> None:
    conversation_id = save_conversation(
        store,
        ("user", "Capital of France?"),
        ("assistant", "**Paris**, by the Seine."),
        ("user", "And of Spain?"),
        ("assistant", "Mad", MessageState.INTERRUPTED),
        day=5,
        persona="sarcastic",
        model="moonshot-v1-32k",
        system_prompt="Be snide.",
    )
    server.enqueue(Reply(text="2.1 million."))
    app = make_app(resume=store.load(conversation_id))
    async with app.run_test(size=SIZE) as pilot:
        screen = chat_screen(pilot)
        await wait_until(pilot, lambda: len(replies(pilot)) == 2)
        shown = screen_text(pilot)
        for line in ("Capital of France?", "Paris, by the Seine.", "And of Spain?", "Mad"):
            assert line in shown
        assert "persona sarcastic" in shown and "model moonshot-v1-32k" in shown
        assert "interrupted" in shown
        assert replies(pilot)[1].has_class("-interrupted")
        assert not any(reply.has_class("-streaming") for reply in replies(pilot))
        # A resumed conversation shows no persona greeting.
        assert not screen.transcript.query(".-greeting")

        await pilot.press(*"Population of Paris?", "enter")
        await wait_until(pilot, lambda: len(replies(pilot)) == 3 and not screen.streaming)

    assert sent(server) == [
        ("system", "Be snide."),
        ("user", "Capital of France?"),
        ("assistant", "**Paris**, by the Seine."),
        ("user", "And of Spain?"),
        ("assistant", "Mad"),
        ("user", "Population of Paris?"),
    ]
    assert server.chat_requests[-1].json["model"] == "moonshot-v1-32k"
    messages = reopened().load(conversation_id).messages
    assert [m.content for m in messages[-2:]] == ["Population of Paris?", "2.1 million."]


async def test_a_resumed_failed_message_is_marked_and_ctrl_r_sends_it(
    server: FakeMoonshot, make_app: MakeStoreApp, store: ConversationStore
) -> None:
    conversation_id = save_conversation(
        store, ("user", "hello"), ("assistant", "Hi."), ("user", "lost", MessageState.FAILED), day=6
    )
    server.enqueue(Reply(text="Found."))
    async with make_app(resume=store.load(conversation_id)).run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Press ctrl+r" in screen_text(pilot))
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: any(r.text == "Found." for r in replies(pilot)))
    assert sent(server)[1:] == [("user", "hello"), ("assistant", "Hi."), ("user", "lost")]


async def test_a_store_failure_mid_chat_warns_once_and_the_chat_goes_on(
    server: FakeMoonshot,
    make_app: MakeStoreApp,
    store: ConversationStore,
    notes: list[Notification],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.enqueue(Reply(text="One."), Reply(text="Two."))
    async with make_app().run_test(size=SIZE, message_hook=record(notes)) as pilot:
        screen = chat_screen(pilot)
        await pilot.press(*"first", "enter")
        await wait_until(pilot, lambda: len(replies(pilot)) == 1 and not screen.streaming)

        def disk_full(*args: object) -> None:
            raise StoreError("The disk is full [bold]really[/].")

        monkeypatch.setattr(store, "save_message", disk_full)
        await pilot.press(*"second", "enter")
        await wait_until(pilot, lambda: len(replies(pilot)) == 2 and not screen.streaming)
        assert replies(pilot)[1].text == "Two."

    [warning] = [note for note in notes if note.severity == "warning"]
    assert warning.message.startswith("Saving stopped: The disk is full [bold]really[/].")
    assert not warning.markup
    assert sent(server) == [
        ("system", BUILTIN_PERSONAS["kimi"].system),
        ("user", "first"),
        ("assistant", "One."),
        ("user", "second"),
    ]


async def test_start_up_warning_and_notice_are_notifications_without_markup(
    server: FakeMoonshot, make_app: MakeStoreApp, notes: list[Notification]
) -> None:
    warning, notice = "Locked [red]db[/].", "No [b]saved[/b] one."
    app = make_app(incognito=True, store_warning=warning, notice=notice)
    async with app.run_test(size=SIZE, message_hook=record(notes)) as pilot:
        await pilot.pause()
    assert [(n.message, n.severity, n.markup) for n in notes] == [
        (warning, "warning", False),
        (notice, "information", False),
    ]


# ---- the history screen ------------------------------------------------------------------


async def test_history_lists_the_saved_conversations_newest_first(
    server: FakeMoonshot, make_app: MakeStoreApp, three: list[str]
) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_history(pilot, rows=3)
        shown = screen_text(pilot)
        assert "3 saved conversations" in shown
        titles = ["Capital of Italy?", "Best way to loop with an index?", "Capital of France?"]
        positions = [shown.index(title) for title in titles]
        assert positions == sorted(positions)
        assert "coder" in shown and "moonshot-v1-8k" in shown
        assert screen.table.selected() == three[2]
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen))
        assert chat_screen(pilot).conversation.id is None


async def test_search_finds_an_old_conversation_and_enter_opens_it(
    server: FakeMoonshot, make_app: MakeStoreApp, three: list[str]
) -> None:
    server.enqueue(Reply(text="About 2.1 million."))
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_history(pilot, rows=3)
        await pilot.press(*"seine")
        await wait_until(pilot, lambda: "match “seine”" in screen_text(pilot))
        assert screen.table.row_count == 1
        assert "Kimi: Paris, by the Seine." in screen_text(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen))
        await wait_until(pilot, lambda: chat_screen(pilot).conversation.id == three[0])
        assert "Paris, by the Seine." in screen_text(pilot)

        await pilot.press(*"Population?", "enter")
        await wait_until(pilot, lambda: len(replies(pilot)) == 2)
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
    assert sent(server)[1:] == [
        ("user", "Capital of France?"),
        ("assistant", "Paris, by the Seine."),
        ("user", "Population?"),
    ]


async def test_search_with_no_match_says_so_and_clearing_it_lists_everything(
    server: FakeMoonshot, make_app: MakeStoreApp, three: list[str]
) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_history(pilot, rows=3)
        await pilot.press(*"zanzibar")
        await wait_until(pilot, lambda: "Nothing matches “zanzibar”." in screen_text(pilot))
        assert screen.table.row_count == 0
        screen.query_one("#history-search", Input).value = ""
        await wait_until(pilot, lambda: screen.table.row_count == 3)


async def test_rename_sets_the_title(
    server: FakeMoonshot,
    make_app: MakeStoreApp,
    three: list[str],
    reopened: Callable[[], ConversationStore],
) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        await open_history(pilot, rows=3)
        await pilot.press("down", "r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameScreen))
        assert pilot.app.screen.query_one(Input).value == "Capital of Italy?"
        await pilot.press("ctrl+u", *"Roman [b]holiday[/b]", "enter")
        await wait_until(pilot, lambda: "Roman [b]holiday[/b]" in screen_text(pilot))
        assert isinstance(pilot.app.screen, HistoryScreen)
    summary = reopened().summary(three[2])
    assert (summary.title, summary.custom_title) == ("Roman [b]holiday[/b]", True)


async def test_delete_asks_first_and_then_deletes(
    server: FakeMoonshot,
    make_app: MakeStoreApp,
    three: list[str],
    reopened: Callable[[], ConversationStore],
) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_history(pilot, rows=3)
        await pilot.press("down", "down", "d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await wait_until(
            pilot, lambda: "Delete “Best way to loop with an index?”?" in screen_text(pilot)
        )
        await pilot.press("n")
        await wait_until(pilot, lambda: pilot.app.screen is screen)
        assert screen.table.row_count == 3

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.table.row_count == 2)
        assert "Best way to loop" not in screen_text(pilot)
    assert [s.id for s in reopened().list_conversations()] == [three[2], three[0]]


async def test_deleting_the_open_conversation_starts_a_new_one(
    server: FakeMoonshot, make_app: MakeStoreApp, store: ConversationStore, three: list[str]
) -> None:
    async with make_app(resume=store.load(three[2])).run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Rome, on the Tiber." in screen_text(pilot))
        screen = await open_history(pilot, rows=3)
        await pilot.press("down", "d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "It is open in the chat" in confirm.question
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.table.row_count == 2)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen))
        await wait_until(pilot, lambda: chat_screen(pilot).conversation.id is None)
        assert "Rome, on the Tiber." not in screen_text(pilot)
        assert "was deleted" in screen_text(pilot)


async def test_export_writes_markdown_to_the_current_directory(
    server: FakeMoonshot, make_app: MakeStoreApp, three: list[str], notes: list[Notification]
) -> None:
    async with make_app().run_test(size=SIZE, message_hook=record(notes)) as pilot:
        await open_history(pilot, rows=3)
        await pilot.press("down", "e")
        path = Path.cwd() / f"kimitui-{three[2][:8]}.md"
        await wait_until(pilot, path.exists)
    text = path.read_text(encoding="utf-8")
    assert 'title: "Capital of Italy?"' in text
    assert "## You\n\nCapital of Italy?" in text and "## Kimi\n\nRome, on the Tiber." in text
    assert any(note.message == f"Exported to {path}" and not note.markup for note in notes)


async def test_pick_opens_the_history_first(
    server: FakeMoonshot, make_app: MakeStoreApp, three: list[str]
) -> None:
    async with make_app(pick=True).run_test(size=SIZE) as pilot:
        screen = await wait_until_history(pilot)
        await wait_until(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen))
        assert chat_screen(pilot).conversation.id == three[2]
        assert "Rome, on the Tiber." in screen_text(pilot)


def test_resume_without_an_id_hands_the_choice_to_the_tui(
    make_settings: MakeSettings, three: list[str]
) -> None:
    launch = prepare_launch(build_parser().parse_args(["--resume"]), make_settings())
    assert isinstance(launch, Launch)
    assert launch.store is not None
    try:
        assert (launch.pick, launch.conversation, launch.warning) == (True, None, None)
    finally:
        launch.store.close()


async def wait_until_history(pilot: Pilot[None]) -> HistoryScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
    return history(pilot)


async def test_incognito_history_says_saving_is_off(
    server: FakeMoonshot, make_app: MakeStoreApp
) -> None:
    async with make_app(incognito=True).run_test(size=SIZE) as pilot:
        await open_history(pilot)
        await wait_until(pilot, lambda: "Saving is off" in screen_text(pilot))
        await pilot.press("enter", "r", "d", "e")
        assert isinstance(pilot.app.screen, HistoryScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen))


async def test_a_store_error_in_the_history_is_a_notification(
    server: FakeMoonshot,
    make_app: MakeStoreApp,
    store: ConversationStore,
    three: list[str],
    notes: list[Notification],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def locked(*args: object) -> None:
        raise StoreError("The conversation database is locked by another program.")

    async with make_app().run_test(size=SIZE, message_hook=record(notes)) as pilot:
        await open_history(pilot, rows=3)
        monkeypatch.setattr(store, "search", locked)
        monkeypatch.setattr(store, "load", locked)
        await pilot.press(*"paris")
        await wait_until(pilot, lambda: len(notes) == 1)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen))
        await open_history(pilot)
        await wait_until(pilot, lambda: history(pilot).table.row_count == 3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(notes) == 2)
        assert isinstance(pilot.app.screen, HistoryScreen)
    assert {(n.message, n.severity, n.markup) for n in notes} == {
        ("The conversation database is locked by another program.", "error", False)
    }


# ---- the palette -------------------------------------------------------------------------


async def run_command(pilot: Pilot[None], command: str) -> None:
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    await pilot.press(*command)
    await wait_until(pilot, lambda: command in screen_text(pilot))
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, CommandPalette))


async def test_the_palette_opens_the_history(
    server: FakeMoonshot, make_app: MakeStoreApp, three: list[str]
) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        await run_command(pilot, "History: browse saved conversations")
        screen = await wait_until_history(pilot)
        await wait_until(pilot, lambda: screen.table.row_count == 3)


async def test_the_palette_exports_an_incognito_conversation(
    server: FakeMoonshot, make_app: MakeStoreApp, notes: list[Notification]
) -> None:
    server.enqueue(Reply(text="Answer with [bold]brackets[/]."))
    async with make_app(incognito=True).run_test(size=SIZE, message_hook=record(notes)) as pilot:
        await pilot.press(*"question", "enter")
        await wait_until(pilot, lambda: bool(replies(pilot)) and not chat_screen(pilot).streaming)
        await run_command(pilot, "Export conversation as Markdown")
        markdown = Path.cwd() / "kimitui-unsaved.md"
        await wait_until(pilot, markdown.exists)
        await run_command(pilot, "Export conversation as JSON")
        exported = Path.cwd() / "kimitui-unsaved.json"
        await wait_until(pilot, exported.exists)
    assert "## Kimi\n\nAnswer with [bold]brackets[/]." in markdown.read_text(encoding="utf-8")
    assert '"content": "question"' in exported.read_text(encoding="utf-8")
    assert [n.message for n in notes] == [f"Exported to {markdown}", f"Exported to {exported}"]


async def test_exporting_an_empty_conversation_says_there_is_nothing_yet(
    server: FakeMoonshot, make_app: MakeStoreApp, notes: list[Notification]
) -> None:
    async with make_app().run_test(size=SIZE, message_hook=record(notes)) as pilot:
        await run_command(pilot, "Export conversation as Markdown")
        await wait_until(pilot, lambda: bool(notes))
    assert notes[0].message == "Nothing to export yet."
    assert not list(Path.cwd().iterdir())


async def test_a_long_saved_conversation_renders_only_what_is_shown(
    make_app: MakeStoreApp, store: ConversationStore
) -> None:
    turns = [
        message
        for index in range(40)
        for message in (
            ("user", f"Question {index}"),
            ("assistant", f"## Answer {index}\n\nSee `item_{index}`.\n\n- one\n- two"),
        )
    ]
    conversation_id = save_conversation(store, *turns, day=7)  # type: ignore[arg-type]
    app = make_app(resume=store.load(conversation_id))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(replies(pilot)) == 40)
        # The last replies are on screen, rendered.
        await wait_until(pilot, lambda: "item_39" in screen_text(pilot))
        assert "Answer 39" in screen_text(pilot)
        first = replies(pilot)[0]
        assert first.text == "## Answer 0\n\nSee `item_0`.\n\n- one\n- two"
        # Scrolled to, an old reply is rendered.
        chat_screen(pilot).transcript.scroll_home(animate=False)
        await wait_until(pilot, lambda: "item_0" in screen_text(pilot))
        assert "Question 0" in screen_text(pilot) and "Answer 0" in screen_text(pilot)
        assert first.frozen.is_rendered

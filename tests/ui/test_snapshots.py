"""Snapshots of every screen state, at a fixed 100x30 terminal.

Deterministic by construction: fixed reply text from the fake server, a gate
to freeze a stream mid-way, no clocks on screen, no temporary paths, and the
prompt's cursor blink switched off. Saved conversations have fixed ids and
times, and the history shows their times in UTC (not the machine's zone).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from kimitui.chat.conversation import MessageState
from kimitui.cli import make_provider
from kimitui.store import ConversationStore
from kimitui.ui.app import KimiApp
from kimitui.ui.screens.confirm import ConfirmScreen
from kimitui.ui.screens.history import HistoryScreen
from kimitui.ui.screens.import_file import ImportScreen
from kimitui.ui.screens.model_picker import ModelPicker
from kimitui.ui.screens.rename import RenameScreen
from kimitui.ui.widgets import history_table
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp, MakeSettings
from tests.ui.helpers import chat_screen, replies, save_conversation, screen_text, wait_until

SIZE = (100, 30)
FIXED_CONFIG = Path("/home/user/.config/kimitui/config.toml")
"""Shown on the key screen; never written (no key is submitted there)."""

CODE_REPLY = (
    "## Reversing a list\n\n"
    "Use **slicing** — it returns a *new* list:\n\n"
    "```python\n"
    "def reverse(items: list[int]) -> list[int]:\n"
    '    """Return a reversed copy."""\n'
    "    return items[::-1]\n"
    "```\n\n"
    "- `reversed()` gives an iterator\n"
    "- `list.reverse()` works in place\n"
)

SnapCompare = Callable[..., bool]


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """A gate that is always opened at the end, so no server thread is left waiting."""
    event = threading.Event()
    yield event
    event.set()


def steady(
    run: Callable[[Pilot[None]], Awaitable[None]],
) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Wrap ``run``: wait for the first screen, stop cursors blinking (a blink would show)."""

    async def run_before(pilot: Pilot[None]) -> None:
        # The autopilot starts once the app is mounted, the first screen maybe not yet.
        await wait_until(pilot, lambda: pilot.app.screen.is_mounted)
        for text_area in pilot.app.screen.query(TextArea):
            text_area.cursor_blink = False
        for text_input in pilot.app.screen.query(Input):
            text_input.cursor_blink = False
        await run(pilot)
        await pilot.pause()

    return run_before


async def _nothing(pilot: Pilot[None]) -> None:
    await pilot.pause()


def test_empty_chat(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    assert snap_compare(make_app(), run_before=steady(_nothing), terminal_size=SIZE)


def test_streaming_reply(
    snap_compare: SnapCompare, server: FakeMoonshot, make_app: MakeApp, gate: threading.Event
) -> None:
    server.enqueue(Reply(text=CODE_REPLY, chunk_size=5, gate_after=95, gate=gate))

    async def run(pilot: Pilot[None]) -> None:
        await pilot.press(*"How do I reverse a list?", "enter")
        await wait_until(pilot, lambda: bool(replies(pilot)) and len(replies(pilot)[0].text) == 95)
        await pilot.pause(0.2)

    assert snap_compare(make_app(), run_before=steady(run), terminal_size=SIZE)


def test_finished_reply_with_code(
    snap_compare: SnapCompare, server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text=CODE_REPLY, chunk_size=7))

    async def run(pilot: Pilot[None]) -> None:
        await pilot.press(*"How do I reverse a list?", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await pilot.pause(0.2)

    assert snap_compare(make_app(), run_before=steady(run), terminal_size=SIZE)


def test_interrupted_reply(
    snap_compare: SnapCompare, server: FakeMoonshot, make_app: MakeApp, gate: threading.Event
) -> None:
    server.enqueue(Reply(text=CODE_REPLY, chunk_size=5, gate_after=60, gate=gate))

    async def run(pilot: Pilot[None]) -> None:
        await pilot.press(*"How do I reverse a list?", "enter")
        await wait_until(pilot, lambda: bool(replies(pilot)) and len(replies(pilot)[0].text) == 60)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await pilot.pause(0.2)

    assert snap_compare(make_app(), run_before=steady(run), terminal_size=SIZE)


def test_no_key_screen(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    app: KimiApp = make_app(api_key=None, api_key_source="none", config_file=FIXED_CONFIG)
    assert snap_compare(app, run_before=steady(_nothing), terminal_size=SIZE)


@pytest.fixture
def saved(store: ConversationStore, monkeypatch: pytest.MonkeyPatch) -> ConversationStore:
    """The store holding three fixed conversations; times shown in UTC."""

    def utc_time(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")

    monkeypatch.setattr(history_table, "local_time", utc_time)
    save_conversation(
        store,
        ("user", "Capital of France?"),
        ("assistant", "Paris, by the Seine. The capital of France since 987."),
        day=1,
    )
    save_conversation(
        store,
        ("user", "How do I loop with an index in Python?"),
        ("assistant", "Use `enumerate`; it yields `(index, item)` pairs."),
        ("user", "And in reverse?"),
        ("assistant", "Use `reversed(list(enumerate(items)))` or", MessageState.INTERRUPTED),
        day=2,
        persona="coder",
        model="kimi-k2-0905-preview",
        title="Python [loops] tips",
    )
    save_conversation(
        store,
        ("user", "Capital of Italy? And is it the largest city?"),
        ("assistant", "Rome is both the capital and the largest city of Italy."),
        day=3,
        persona="sarcastic",
    )
    return store


@pytest.fixture
def history_app(make_settings: MakeSettings, saved: ConversationStore) -> KimiApp:
    """The app over the store of three fixed conversations."""
    return KimiApp(make_settings(), make_provider, store=saved)


async def _open_history(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    screen.search_input.cursor_blink = False
    await wait_until(pilot, lambda: screen.table.row_count == 3)


def test_history_list(snap_compare: SnapCompare, history_app: KimiApp) -> None:
    assert snap_compare(history_app, run_before=steady(_open_history), terminal_size=SIZE)


def test_history_search(snap_compare: SnapCompare, history_app: KimiApp) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await _open_history(pilot)
        await pilot.press(*"capital")
        screen = pilot.app.screen
        assert isinstance(screen, HistoryScreen)
        await wait_until(pilot, lambda: "match “capital”" in str(screen.status.render()))

    assert snap_compare(history_app, run_before=steady(run), terminal_size=SIZE)


def test_resumed_conversation(
    snap_compare: SnapCompare, make_settings: MakeSettings, saved: ConversationStore
) -> None:
    [summary] = [s for s in saved.list_conversations() if s.persona == "coder"]
    app = KimiApp(make_settings(), make_provider, store=saved, resume=saved.load(summary.id))

    async def run(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: len(replies(pilot)) == 2)

    assert snap_compare(app, run_before=steady(run), terminal_size=SIZE)


def test_rename_dialog(snap_compare: SnapCompare, history_app: KimiApp) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await _open_history(pilot)
        await pilot.press("down", "r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameScreen))
        await wait_until(pilot, lambda: "Rename conversation" in screen_text(pilot))
        pilot.app.screen.query_one(Input).cursor_blink = False

    assert snap_compare(history_app, run_before=steady(run), terminal_size=SIZE)


def test_delete_confirmation(snap_compare: SnapCompare, history_app: KimiApp) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await _open_history(pilot)
        await pilot.press("down", "d")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))

    assert snap_compare(history_app, run_before=steady(run), terminal_size=SIZE)


def test_import_dialog(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def run(pilot: Pilot[None]) -> None:
        chat_screen(pilot).action_import()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ImportScreen))
        await wait_until(pilot, lambda: "Import a conversation" in screen_text(pilot))
        pilot.app.screen.query_one(Input).cursor_blink = False

    assert snap_compare(make_app(), run_before=steady(run), terminal_size=SIZE)


def test_model_picker(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def run(pilot: Pilot[None]) -> None:
        chat_screen(pilot).action_pick_model()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ModelPicker))
        await wait_until(pilot, lambda: "models; current" in screen_text(pilot))
        pilot.app.screen.query_one(Input).cursor_blink = False

    assert snap_compare(make_app(), run_before=steady(run), terminal_size=SIZE)

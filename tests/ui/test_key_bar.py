"""The key bar: the keys that work now, and clicking one presses it."""

from __future__ import annotations

import threading

from textual.command import CommandPalette
from textual.pilot import Pilot

from kimitui.ui.widgets.key_bar import KeyBar
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, wait_until


def bar_text(pilot: Pilot[None]) -> str:
    bar = pilot.app.screen.query_one(KeyBar)
    return str(bar.render())


def column_of(pilot: Pilot[None], label: str) -> int:
    text = bar_text(pilot)
    assert label in text, text
    return text.index(label)


async def test_stop_is_offered_only_while_a_reply_streams_and_clicking_it_stops(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="The answer is forty-two.", gate_after=4, gate=gate))
    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            assert "Stop" not in bar_text(pilot)
            assert "New chat" in bar_text(pilot) and "palette" in bar_text(pilot)
            await pilot.press(*"why", "enter")
            await wait_until(pilot, lambda: bool(replies(pilot)) and replies(pilot)[0].text != "")
            assert "esc Stop" in bar_text(pilot)

            await pilot.click(KeyBar, offset=(column_of(pilot, "Stop"), 0))
            screen = chat_screen(pilot)
            await wait_until(pilot, lambda: not screen.streaming)
            assert replies(pilot)[0].has_class("-interrupted")
            assert "Stop" not in bar_text(pilot)
    finally:
        gate.set()


async def test_clicking_a_key_runs_its_action_and_a_gap_does_nothing(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click(KeyBar, offset=(99 - len("palette  "), 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()

        screen = chat_screen(pilot)
        await pilot.click(KeyBar, offset=(60, 0))  # between the keys and the palette
        await pilot.pause()
        assert app.screen is screen

        await pilot.click(KeyBar, offset=(column_of(pilot, "History"), 0))
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")


async def test_a_narrow_bar_keeps_the_palette_key_and_cuts_the_others(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(30, 20)) as pilot:
        text = bar_text(pilot)
        assert len(text) == 30
        assert text.endswith("^p palette ")
        assert text.startswith(" ⏎ Send")


async def test_a_bar_too_narrow_for_the_palette_key_shows_the_keys_cut(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(9, 20)) as pilot:
        bar = pilot.app.screen.query_one(KeyBar)
        assert bar.size.height == 1
        assert bar_text(pilot) == " ⏎ Send  "  # 9 columns, no palette key wrapping

"""Odd and hostile input: huge pastes and replies, wide characters, a canary key."""

from __future__ import annotations

from pathlib import Path

from textual import events

from kimitui.ui.widgets.prompt import PromptInput
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, screen_text, wait_until

MEGABYTE = 1024 * 1024


async def test_a_one_megabyte_paste_is_folded_and_sent_whole(make_app: MakeApp) -> None:
    pasted = ("a log line with 中文 and numbers 0123456789\n" * 30000)[:MEGABYTE]
    # A megabyte is more than any context window; this test is about the input.
    big = FakeMoonshot(enforce_context=False)
    server = big.start()
    app = make_app(api_key=server.api_key, base_url=server.base_url)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        await pilot.press(*"review: ")
        # As a terminal delivers it: to the app, which hands it to the focused input.
        app.post_message(events.Paste(pasted))
        await wait_until(pilot, lambda: "[pasted text #1" in prompt.text)
        assert prompt.text.startswith("review: [pasted text #1 · ")
        assert "MB]" in prompt.text and len(prompt.text) < 100
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(server.chat_requests), timeout=30)
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming, timeout=30)
        request = server.chat_requests[0].json
        assert request is not None
        assert request["messages"][-1]["content"] == "review: " + pasted
        assert prompt.text == ""
    server.stop()


async def test_a_small_paste_goes_in_as_it_is(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        app.post_message(events.Paste("short\npaste"))
        await wait_until(pilot, lambda: bool(prompt.text))
        assert prompt.text == "short\npaste"


async def test_a_failed_huge_message_comes_back_folded(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    from tests.fakeserver import Fault

    server.enqueue(Fault.content_filter())
    pasted = "z" * 50_000
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        app.post_message(events.Paste(pasted))
        await wait_until(pilot, lambda: bool(prompt.text))
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(server.chat_requests))
        await wait_until(pilot, lambda: "[pasted text #1" in prompt.text)
        assert prompt.value == pasted


async def test_wide_characters_in_a_table_stay_aligned(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(
        Reply(
            text="| 名字 | 数量 |\n|---|---|\n| 苹果🍎 | 3 |\n| banana | 12 |\n\n"
            + "很长的中文段落" * 30
        )
    )
    app = make_app()
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.press(*"t", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await pilot.pause(0.2)
        await wait_until(pilot, lambda: "┌" in screen_text(pilot))
        lines = screen_text(pilot).splitlines()
        from rich.cells import cell_len

        rows = [line for line in lines if "│" in line and ("苹果" in line or "banana" in line)]
        assert len(rows) == 2
        # The right edge of each table row lines up in terminal cells.
        ends = {cell_len(row.rstrip()) for row in rows}
        assert len(ends) == 1, rows
        # Long Chinese text wraps within the screen width; nothing is cut.
        assert all(cell_len(line) <= 60 for line in lines)
        assert sum(line.count("很") for line in lines) == 30


async def test_the_api_key_never_shows_on_screen_or_in_saved_files(
    server: FakeMoonshot, make_app: MakeApp, hermetic: Path
) -> None:
    server.enqueue(Reply(text=f"echo of nothing secret; base {server.base_url}"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hello", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        assert server.api_key not in screen_text(pilot)
        await pilot.press("escape")
    for path in hermetic.rglob("*"):
        if path.is_file():
            assert server.api_key.encode() not in path.read_bytes(), path

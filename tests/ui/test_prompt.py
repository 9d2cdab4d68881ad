"""The prompt: Enter sends, several keys insert a newline, and the keymap remaps them."""

from __future__ import annotations

import pytest
from textual import events

from tests.fakeserver import FakeMoonshot
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, wait_until


@pytest.mark.parametrize("newline_key", ["shift+enter", "ctrl+j", "alt+enter"])
async def test_newline_keys_insert_a_newline_without_sending(
    server: FakeMoonshot, make_app: MakeApp, newline_key: str
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"one", newline_key, *"two")
        await pilot.pause()
        screen = chat_screen(pilot)
        assert screen.prompt.text == "one\ntwo"
        assert not screen.streaming
        assert server.chat_requests == []


async def test_enter_sends_the_whole_multi_line_text_and_clears_the_input(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"a", "shift+enter", *"b", "ctrl+j", *"c", "alt+enter", *"d")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(server.chat_requests) == 1)
        assert server.chat_requests[0].json["messages"][-1] == {
            "role": "user",
            "content": "a\nb\nc\nd",
        }
        assert chat_screen(pilot).prompt.text == ""
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)


async def test_enter_on_a_blank_input_sends_nothing(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "ctrl+j", "enter")
        await pilot.pause(0.1)
        assert server.chat_requests == []
        assert not replies(pilot)


async def test_the_keymap_remaps_send_and_new_chat(server: FakeMoonshot, make_app: MakeApp) -> None:
    app = make_app(keymap={"chat.send": "ctrl+s", "chat.new": "ctrl+b"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"x", "enter", *"y")
        await pilot.pause()
        screen = chat_screen(pilot)
        # Enter is no longer "send", so the text area inserts a newline itself.
        assert screen.prompt.text == "x\ny"
        assert server.chat_requests == []
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.streaming and len(replies(pilot)) == 1)
        assert server.chat_requests[0].json["messages"][-1]["content"] == "x\ny"
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not replies(pilot)


async def test_the_terminal_cursor_follows_the_caret_for_ime(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"ab", "ctrl+j", *"你好")
        await pilot.pause()
        prompt = chat_screen(pilot).prompt
        region = prompt.content_region
        # Second line, after two double-width characters: where an IME window must open.
        assert app.cursor_position == (region.x + 4, region.y + 1)
        assert prompt.cursor_screen_offset == app.cursor_position


async def test_enter_right_behind_fast_typing_sends_all_of_it(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    # Keys that arrive together (typed while the app is busy, or from a script)
    # reach the app in one go. Enter is a priority binding, run as soon as the
    # app sees it: the letters before it may still be queued in the input.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        for character in "why":
            app.post_message(events.Key(character, character))
        app.post_message(events.Key("enter", "\r"))
        await wait_until(pilot, lambda: len(server.chat_requests) == 1)
        assert server.chat_requests[0].json["messages"][-1]["content"] == "why"
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        assert chat_screen(pilot).prompt.text == ""


async def test_a_newline_right_behind_fast_typing_lands_after_it(make_app: MakeApp) -> None:
    # ctrl+j is a priority binding too: run at once, ahead of queued letters.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        for key, character in [("a", "a"), ("ctrl+j", "\n"), ("b", "b")]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        await pilot.pause()
        assert chat_screen(pilot).prompt.text == "a\nb"

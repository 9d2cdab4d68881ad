"""Without a key the app opens on instructions, saves a pasted key privately and never shows it."""

from __future__ import annotations

import stat
import tomllib

from textual import events
from textual.widgets import Input

from kimitui.ui.screens.api_key import ApiKeyScreen
from kimitui.ui.widgets.notice import Notice
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, screen_text, wait_until


async def test_pasting_a_key_saves_it_privately_and_the_chat_works(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    app = make_app(api_key=None, api_key_source="none")
    config_file = app.settings.config_file
    server.enqueue(Reply(text="Hello with the new key."))
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, ApiKeyScreen)
        shown = screen_text(pilot)
        for needle in (
            "https://platform.moonshot.cn",
            "https://platform.moonshot.ai",
            "separate accounts",
            "sk-",
            "MOONSHOT_API_KEY",
            str(config_file),
        ):
            assert needle in shown, needle

        key_input = app.screen.query_one(Input)
        assert key_input.password
        key_input.post_message(events.Paste(server.api_key))
        await pilot.pause()
        assert key_input.value == server.api_key
        assert server.api_key not in screen_text(pilot)

        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ApiKeyScreen))
        assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
        assert tomllib.loads(config_file.read_text())["api_key"] == server.api_key
        assert app.settings.api_key == server.api_key
        assert app.settings.api_key_source == "config"
        notices = [notice.text for notice in chat_screen(pilot).transcript.query(Notice)]
        assert notices == [f"Your API key was saved to {config_file} (readable only by you)."]
        assert "Your API key was saved to" in screen_text(pilot)
        assert server.api_key not in screen_text(pilot)

        await pilot.press(*"hi", "enter")
        await wait_until(
            pilot, lambda: not chat_screen(pilot).streaming and bool(server.chat_requests)
        )
        await wait_until(pilot, lambda: "Hello with the new key." in screen_text(pilot))
        request = server.chat_requests[0]
        assert request.headers["authorization"] == f"Bearer {server.api_key}"
        assert server.api_key not in screen_text(pilot)


async def test_something_that_is_not_a_key_is_refused_and_nothing_is_saved(
    make_app: MakeApp,
) -> None:
    app = make_app(api_key=None, api_key_source="none")
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one(Input).post_message(events.Paste("MOONSHOT_API_KEY=oops"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ApiKeyScreen)
        assert "keys start with sk-" in screen_text(pilot)
        assert not app.settings.config_file.exists()
        assert "oops" not in screen_text(pilot)

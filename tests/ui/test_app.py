"""The app's wiring: nothing is built before the first frame, and the UI never loads the SDK."""

from __future__ import annotations

import subprocess
import sys
import threading

from kimitui.cli import make_provider
from kimitui.config import Settings
from kimitui.providers.base import ChatProvider
from kimitui.ui.app import KimiApp
from tests.fakeserver import FakeMoonshot
from tests.ui.conftest import MakeSettings
from tests.ui.helpers import chat_screen, screen_text, wait_until


async def test_the_provider_is_built_once_in_a_thread_after_the_first_frame(
    server: FakeMoonshot, make_settings: MakeSettings
) -> None:
    first_frame_drawn = threading.Event()
    built_in: list[threading.Thread] = []

    def slow_factory(settings: Settings) -> ChatProvider:
        # Blocks until the test has seen the first frame: built on the event
        # loop, or before the first frame, it would hold the screen back.
        first_frame_drawn.wait(timeout=10)
        built_in.append(threading.current_thread())
        return make_provider(settings)

    app = KimiApp(make_settings(), slow_factory)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "persona kimi" in screen_text(pilot)
        assert built_in == []
        first_frame_drawn.set()
        # Built without a message: the first Enter does not wait for the SDK.
        await wait_until(pilot, lambda: built_in != [])
        assert built_in[0] is not threading.current_thread()
        assert server.requests == []
        await pilot.press(*"one", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await pilot.press(*"two", "enter")
        await wait_until(pilot, lambda: len(server.chat_requests) == 2)
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        assert len(built_in) == 1


def test_the_ui_does_not_import_the_sdk() -> None:
    probe = "import kimitui.ui.app, sys; print('openai' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


async def test_status_bar_shows_persona_model_and_usage(
    server: FakeMoonshot, make_settings: MakeSettings
) -> None:
    app = KimiApp(make_settings(model="kimi-k2-turbo-preview", model_from_cli=True), make_provider)
    async with app.run_test(size=(100, 30)) as pilot:
        bar = chat_screen(pilot).status_bar
        assert "persona kimi │ model kimi-k2-turbo-preview │ tokens none yet" in screen_text(pilot)
        assert "● ready" in screen_text(pilot)
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming and bar.total_tokens > 0)
        usage = server.chat_requests[0]
        assert usage.json["model"] == "kimi-k2-turbo-preview"
        assert f"{bar.prompt_tokens} in · {bar.completion_tokens} out" in screen_text(pilot)

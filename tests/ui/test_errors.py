"""Failures become a clear line in the transcript; the app keeps running, no text is lost."""

from __future__ import annotations

import dataclasses

from kimitui.config import Settings
from kimitui.errors import Unreachable
from kimitui.providers.base import ChatProvider
from kimitui.ui.app import KimiApp
from kimitui.ui.widgets.notice import Notice
from kimitui.ui.widgets.retry_countdown import RetryCountdown
from tests.fakeserver import FakeMoonshot, Fault, Reply
from tests.ui.conftest import MakeApp, MakeSettings
from tests.ui.helpers import chat_screen, replies, screen_text, wait_until


def error_lines(pilot: object) -> list[str]:
    return [
        notice.text
        for notice in chat_screen(pilot).transcript.query(Notice)  # type: ignore[arg-type]
        if notice.kind == "error"
    ]


async def test_rejected_key_shows_an_error_restores_the_text_and_ctrl_r_retries(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Fault.auth(), Reply(text="Now it works."))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hello", "enter")
        screen = chat_screen(pilot)
        await wait_until(pilot, lambda: not screen.streaming)

        [error] = error_lines(pilot)
        assert error.startswith("The API key was rejected.")
        assert "The API key was rejected." in screen_text(pilot)
        assert server.api_key not in screen_text(pilot)
        assert app.is_running
        assert not replies(pilot)
        assert screen.prompt.text == "hello"
        assert screen.status_bar.state == "failed"

        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(server.chat_requests) == 2)
        await wait_until(pilot, lambda: not screen.streaming)
        # The failed attempt is not sent twice, and the restored text is not left behind.
        assert [m["role"] for m in server.chat_requests[1].json["messages"]] == ["system", "user"]
        assert server.chat_requests[1].json["messages"][1]["content"] == "hello"
        assert screen.prompt.text == ""
        assert "Now it works." in screen_text(pilot)
        assert screen.status_bar.state == "ready"


async def test_content_filter_error_keeps_what_the_user_typed_meanwhile(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    # Answer late, so the user has typed something new by the time it fails.
    server.enqueue(dataclasses.replace(Fault.content_filter(), seconds=0.5))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"risky", "enter")
        screen = chat_screen(pilot)
        await pilot.press(*"draft")
        assert screen.streaming
        await wait_until(pilot, lambda: not screen.streaming)
        assert error_lines(pilot) == ["The request was refused by Moonshot's content filter."]
        # The input was not empty, so the failed text did not overwrite the draft.
        assert screen.prompt.text == "draft"


async def test_error_text_that_looks_like_markup_is_shown_literally(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Fault.invalid_request("bad [bold]field[/] and [/oops]"))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"x", "enter")
        await wait_until(pilot, lambda: bool(error_lines(pilot)))
        assert "bad [bold]field[/] and [/oops]" in error_lines(pilot)[0]
        assert "bad [bold]field[/] and [/oops]" in screen_text(pilot)


async def test_a_dropped_stream_keeps_the_partial_reply_marked_incomplete(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Fault.drop(after_chars=8))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"tell me", "enter")
        screen = chat_screen(pilot)
        await wait_until(pilot, lambda: not screen.streaming)
        [reply] = replies(pilot)
        assert len(reply.text) == 8
        assert reply.has_class("-incomplete")
        assert "incomplete" in screen_text(pilot)
        assert error_lines(pilot)
        assert screen.prompt.text == "tell me"


async def test_rate_limit_shows_a_live_countdown_then_the_reply(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Fault.rate_limit(after=1), Reply(text="Made it."))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi", "enter")
        screen = chat_screen(pilot)
        await wait_until(pilot, lambda: bool(screen.transcript.query(RetryCountdown)))
        countdown = screen.transcript.query_one(RetryCountdown)
        assert "Rate limited — retrying in 2 s (attempt 1/4) · Esc to cancel" in screen_text(pilot)
        assert screen.status_bar.state == "retrying"
        await wait_until(pilot, lambda: countdown.seconds_left == 1)
        await pilot.pause(0.05)
        assert "retrying in 1 s" in screen_text(pilot)

        await wait_until(pilot, lambda: not screen.streaming)
        assert not screen.transcript.query(RetryCountdown)
        assert "Made it." in screen_text(pilot)
        assert len(server.chat_requests) == 2


async def test_escape_during_the_countdown_cancels_the_retry(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Fault.rate_limit(after=30))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi", "enter")
        screen = chat_screen(pilot)
        await wait_until(pilot, lambda: bool(screen.transcript.query(RetryCountdown)))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.streaming)
        assert not screen.transcript.query(RetryCountdown)
        assert screen.prompt.text == "hi"
        assert len(server.chat_requests) == 1


async def test_context_overflow_switches_to_a_larger_model_with_a_notice(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Fault.context_overflow(limit=8192, requested=9000), Reply(text="Fits now."))
    app = make_app(model="moonshot-v1-8k", model_from_cli=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"long", "enter")
        screen = chat_screen(pilot)
        await wait_until(pilot, lambda: not screen.streaming)
        assert server.chat_requests[1].json["model"] == "moonshot-v1-32k"
        assert "switching to moonshot-v1-32k" in screen_text(pilot)
        assert screen.status_bar.model == "moonshot-v1-32k"
        assert "Fits now." in screen_text(pilot)


async def test_a_provider_that_cannot_be_built_is_reported_not_fatal(
    make_settings: MakeSettings,
) -> None:
    def broken(settings: Settings) -> ChatProvider:
        raise Unreachable("Cannot reach https://example.invalid/v1.")

    app = KimiApp(make_settings(), broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi", "enter")
        screen = chat_screen(pilot)
        await wait_until(pilot, lambda: not screen.streaming)
        assert error_lines(pilot) == ["Cannot reach https://example.invalid/v1."]
        assert app.is_running
        assert screen.prompt.text == "hi"

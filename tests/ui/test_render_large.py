"""A megabyte-long reply renders in bounded time and leaves the app responsive."""

from __future__ import annotations

import time

from textual.widgets.markdown import MarkdownBlock

from kimitui.markdown_blocks import split_finished
from kimitui.ui.widgets.message import _split_behind
from kimitui.ui.widgets.prompt import PromptInput
from kimitui.ui.widgets.transcript import Transcript
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, screen_text, wait_until

MEGABYTE = 1024 * 1024


def megabyte_of_markdown() -> str:
    """A megabyte of headings, styled paragraphs with wide characters, and code."""
    paragraph = (
        "## Section\n\nSome *text* with `code`, 中文字符 and an emoji 🚀 in it.\n\n"
        "```python\nprint('hello')\n```\n\n"
    )
    return (paragraph * (MEGABYTE // len(paragraph) + 1))[:MEGABYTE]


async def test_a_one_megabyte_reply_renders_and_the_app_stays_responsive(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    text = megabyte_of_markdown()
    # Big chunks: this test is about the widgets, not the SDK's per-chunk cost.
    server.enqueue(Reply(text=text, chunk_size=16384))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        started = time.perf_counter()
        await pilot.press(*"big", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming, timeout=120)
        [reply] = replies(pilot)
        assert reply.text == text
        await wait_until(pilot, lambda: reply.is_frozen, timeout=30)
        print(f"1 MB reply: {time.perf_counter() - started:.1f} s to the frozen final form")
        assert reply.body.source == text
        # What is on screen is rendered (in an unseen Markdown, then captured);
        # the rest of the megabyte stays source until it is scrolled to.
        await wait_until(pilot, lambda: not reply.query(MarkdownBlock), timeout=30)
        assert not reply.frozen.is_rendered
        # The end of the reply is what is on screen, rendered.
        await wait_until(pilot, lambda: "print('hello')" in screen_text(pilot), timeout=10)
        assert "中文字符" in screen_text(pilot)
        # Scrolled to the top, the start is rendered as it comes into view.
        transcript = app.screen.query_one(Transcript)
        transcript.scroll_home(animate=False)
        await wait_until(pilot, lambda: transcript.scroll_y == 0, timeout=10)
        # The user's message, then the reply's first blocks, rendered. (The
        # frame before the scroll also shows such blocks: wait for both.)

        def shows_the_top() -> bool:
            lines = screen_text(pilot).splitlines()
            return any(line.strip() == "▌ big" for line in lines[:6]) and any(
                "Some text with code" in line for line in lines[:12]
            )

        await wait_until(pilot, shows_the_top, timeout=30)
        # Still responsive: typing reaches the prompt.
        await pilot.press(*"ok")
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == "ok"


def test_only_the_end_of_a_large_finished_batch_is_rendered_at_once() -> None:
    text = megabyte_of_markdown()[:50_000]
    finished, _ = split_finished(text)
    behind, shown = _split_behind(finished, 4_000)
    assert behind + shown == finished
    assert 0 < len(shown) <= 4_000 + 200
    # Cut between blocks: the part rendered at once starts a block.
    assert behind.endswith("\n\n") and shown.startswith(("## Section", "Some", "```python"))
    # A batch of ordinary size is rendered whole.
    assert _split_behind(finished[:8_000], 4_000) == ("", finished[:8_000])

"""The live tail's lists grow in place and still look exactly like ``ReplyMarkdown``'s."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown

from kimitui.ui.widgets.live_markdown import LiveMarkdown
from kimitui.ui.widgets.reply_markdown import PlainFence, ReplyMarkdown


class SideBySide(App[None]):
    """The live tail on the left, a ``ReplyMarkdown`` of the same text on the right."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            with VerticalScroll():
                yield LiveMarkdown(id="live")
            with VerticalScroll():
                yield ReplyMarkdown(id="plain")


def lines(app: App[None], widget: Widget) -> list[list[Segment]]:
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return [
        list(Segment.simplify(strip.crop(region.x, region.right)))
        for strip in strips[region.y : region.bottom]
    ]


def list_rows(document: Markdown) -> list[Widget]:
    return [row for block in document.children for row in block.children]


STREAMS = {
    "bullets": "- one\n- two, with **bold** and `code`\n- three\n  continued\n- four\n",
    "nested": "- outer\n  - inner one\n  - inner two\n- outer again\n  1. deep\n  2. deeper\n",
    "ordered past nine": "".join(f"{n}. item {n}\n" for n in range(1, 13)),
    "paragraph then fence": "- intro\n\n  ```python\n  x = 1\n  y = 2\n  ```\n- after\n",
    "loose": "- one\n\n- two\n\n- three\n",
    # A nested list that cannot grow (its numbers widen, or an item turns
    # into a line of the one above) is rebuilt inside its item, not at the end.
    "nested ordered past nine": "- outer\n"
    + "".join(f"  {n}. item {n}\n" for n in range(1, 12))
    + "- after\n",
    "nested item becomes text": "- x\n  - a\n  --\n  - b\n",
    "in a quote": "> - a\n> - b\n>   - c\n> - d\n",
    # A later definition turns an earlier item's [foo] into a link.
    "reference definition": "- see [foo]\n- [foo]: http://x\n- z\n",
}


@pytest.mark.parametrize("text", STREAMS.values(), ids=list(STREAMS))
async def test_a_list_streamed_in_small_pieces_looks_like_markdown_at_every_step(
    text: str,
) -> None:
    app = SideBySide()
    async with app.run_test(size=(120, 50)) as pilot:
        live, plain = app.query_one("#live", LiveMarkdown), app.query_one("#plain", Markdown)
        for end in range(3, len(text) + 3, 3):
            await live.append(text[end - 3 : end])
            await plain.update(text[:end])
            await pilot.pause()
            assert live.source == text[:end]
            assert lines(app, live) == lines(app, plain), f"after {text[:end]!r}"


async def test_earlier_items_are_kept_as_the_list_grows() -> None:
    app = SideBySide()
    async with app.run_test(size=(120, 50)) as pilot:
        live = app.query_one("#live", LiveMarkdown)
        await live.append("- one\n- tw")
        await pilot.pause()
        first, second = list_rows(live)
        paragraph = second.query_one("MarkdownParagraph")
        await live.append("o\n- three\n")
        await pilot.pause()
        rows = list_rows(live)
        assert len(rows) == 3
        # The first item untouched, the one being written updated where it is.
        assert rows[0] is first and rows[1] is second
        assert second.query_one("MarkdownParagraph") is paragraph
        assert "two" in str(paragraph.render())


async def test_a_fence_being_written_in_a_list_item_is_updated_where_it_is() -> None:
    app = SideBySide()
    async with app.run_test(size=(120, 50)) as pilot:
        live = app.query_one("#live", LiveMarkdown)
        await live.append("- intro\n\n  ```\n  x = 1\n")
        await pilot.pause()
        fence = live.query_one(PlainFence)
        await live.append("  y = 2\n")
        await pilot.pause()
        assert live.query_one(PlainFence) is fence
        assert "y = 2" in fence.code


FINAL = (
    "# Title\n\nA paragraph with `code`.\n\n- one\n- two\n\n"
    "```python\ndef f() -> int:\n    return 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
)


async def test_finish_keeps_the_blocks_that_are_exact_and_looks_like_markdown() -> None:
    app = SideBySide()
    async with app.run_test(size=(120, 50)) as pilot:
        live, plain = app.query_one("#live", LiveMarkdown), app.query_one("#plain", Markdown)
        cut = FINAL.index("| 1 |")
        for end in range(7, cut + 7, 7):
            await live.append(FINAL[end - 7 : min(end, cut)])
        await pilot.pause()
        before = list(live.children)
        await live.finish(FINAL)
        await plain.update(FINAL)
        await pilot.pause()
        assert live.source == FINAL
        # Every block but the table (the one being written) is the same widget.
        assert list(live.children)[:-1] == before[:-1]
        assert lines(app, live) == lines(app, plain)


async def test_finish_rebuilds_a_document_that_differs_from_a_full_parse() -> None:
    app = SideBySide()
    async with app.run_test(size=(120, 50)) as pilot:
        live, plain = app.query_one("#live", LiveMarkdown), app.query_one("#plain", Markdown)
        await live.append("# Title\n\nfirst paragraph\n\nsecond")
        await pilot.pause()
        # As if an incremental render had gone wrong: a block is missing.
        heading = live.children[0]
        await heading.remove()
        text = "# Title\n\nfirst paragraph\n\nsecond paragraph\n"
        await live.finish(text)
        await plain.update(text)
        await pilot.pause()
        assert heading not in live.children
        assert lines(app, live) == lines(app, plain)


@pytest.mark.parametrize(
    ("shown", "final"),
    [
        ("See [foo].\n\n", "See [foo].\n\n[foo]: http://example.com/\n"),
        ("Some text", "Other text, not a continuation\n"),
    ],
    ids=["reference definition", "not a continuation"],
)
async def test_finish_renders_whole_when_earlier_blocks_may_change(shown: str, final: str) -> None:
    app = SideBySide()
    async with app.run_test(size=(120, 50)) as pilot:
        live, plain = app.query_one("#live", LiveMarkdown), app.query_one("#plain", Markdown)
        await live.append(shown)
        await pilot.pause()
        first = live.children[0]
        await live.finish(final)
        await plain.update(final)
        await pilot.pause()
        assert live.source == final
        assert first not in live.children
        assert lines(app, live) == lines(app, plain)

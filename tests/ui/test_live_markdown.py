"""The live tail's lists grow in place and still look exactly like ``Markdown``'s."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown

from kimitui.ui.widgets.live_markdown import LiveMarkdown


class SideBySide(App[None]):
    """The live tail on the left, a plain ``Markdown`` of the same text on the right."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            with VerticalScroll():
                yield LiveMarkdown(id="live")
            with VerticalScroll():
                yield Markdown(id="plain")


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

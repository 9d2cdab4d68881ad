"""Keep the lines a laid-out ``Markdown`` widget shows, after the widget is gone.

Textual lays out every widget of a scroll container on every refresh, so a
transcript made of Markdown block widgets gets slower to draw the longer it
grows. A finished run of blocks never changes, so it is rendered once by a
real ``Markdown`` widget (it looks exactly like one, by construction), its
lines are captured here, and the widget is removed; ``FrozenMarkdown`` shows
the lines.

Capturing paints the widget and its descendants the way Textual's compositor
does: each widget's own lines, children over their parent, clipped to the
parent's content region (a fence's long code lines end at the fence's edge).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from kimitui.ui.widgets.reply_markdown import ReplyMarkdown

__all__ = [
    "Rendering",
    "capture",
    "is_laid_out",
    "is_ready",
    "stage",
    "top_blocks",
    "unsettled_container",
    "wait_for_layout",
]

LAYOUT_POLL = 0.1
"""Seconds between two checks for a layout while none is coming (screen in the background)."""
STAGING_OFFSET = 100_000
"""Rows below its place where a ``Markdown`` being rendered for capture is put."""
UNSETTLED_LIMIT = 10
"""Refreshes to wait for a scroll container to settle before capturing anyway."""


@dataclass(frozen=True, slots=True)
class Rendering:
    """The lines of a run of Markdown blocks at one width and theme.

    The run's outer margins (above its first block, below its last) are not
    in ``lines``: when runs are shown one after another the margin between
    two of them collapses to the larger one, as inside one ``Markdown``.
    """

    width: int
    """The width the lines were rendered at."""
    theme: str
    """The app theme they were rendered in."""
    lines: tuple[Strip | None, ...]
    """From the first block's top edge to the last block's bottom edge.

    ``None`` for a line that was not kept (it was off screen): it is
    rendered again if it is ever drawn.
    """
    top: int
    """The first block's top margin."""
    bottom: int
    """The last block's bottom margin."""
    blank: Strip | None = None
    """A blank line of the document, for margins (``None`` only when ``empty``)."""
    empty: bool = False
    """The source has no blocks (blank, or only link definitions): nothing to show."""

    @property
    def complete(self) -> bool:
        """Whether every line was kept."""
        return None not in self.lines


def top_blocks(document: Markdown) -> list[MarkdownBlock]:
    """The document's displayed top-level blocks, in order."""
    return [
        child for child in document.children if isinstance(child, MarkdownBlock) and child.display
    ]


def _displayed(root: Widget) -> Iterator[Widget]:
    """``root`` and its descendants, skipping subtrees that are not displayed."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.display:
            yield node
            stack.extend(child for child in reversed(node.children) if isinstance(child, Widget))


def _screen_of(widget: Widget) -> Screen[object] | None:
    if not widget.is_attached:
        return None
    try:
        return widget.screen
    except Exception:  # NoScreen: being mounted or removed
        return None


def is_laid_out(root: Widget) -> bool:
    """Whether the screen has placed and sized ``root`` and every displayed descendant.

    Widgets mounted since the last layout are not sized yet (a widget only
    learns its size from a screen layout, though ``find_widget`` may already
    know where it will go); captured before that, they would be blank.
    """
    screen = _screen_of(root)
    if screen is None:
        return False
    try:
        return all(
            screen.find_widget(node).region.size == node.outer_size for node in _displayed(root)
        )
    except NoWidget:
        return False


def is_ready(document: Markdown) -> bool:
    """Whether ``document`` has its blocks and is laid out: it can be captured.

    A ``Markdown`` mounts its blocks while it is being mounted itself (its
    mount handler awaits them), so once mounted it has them all, or none if
    its source makes no blocks (blank, an HTML comment, link definitions).
    """
    return document.is_mounted and is_laid_out(document)


def unsettled_container(root: Widget) -> Widget | None:
    """A scroll container above ``root`` that still needs a layout, if any.

    When a vertical scroll bar appears, Textual shows it but leaves the
    content laid out at the old, wider width until something else asks for
    a layout; lines captured then would be a column too wide.
    """
    for ancestor in root.ancestors:
        if (
            isinstance(ancestor, Widget)
            and ancestor.is_scrollable
            and ancestor.styles.overflow_x == "hidden"
            and ancestor.virtual_size.width > ancestor.scrollable_content_region.width
        ):
            return ancestor
    return None


async def wait_for_layout(root: Widget) -> bool:
    """Wait until ``root`` is laid out and settled; ``False`` if it leaves the DOM first.

    Settled means two refreshes in a row found it laid out at the same
    size, with no scroll bar about to narrow it (that layout is asked
    for): lines captured before a layout that changes the width would be
    stale at once. After ``UNSETTLED_LIMIT`` layouts it is taken as it is.
    """
    previous: Size | None = None
    unsettled = 0
    while root.is_attached:
        refreshed = asyncio.Event()
        if not root.call_after_refresh(refreshed.set):
            return False
        # The callback can be lost if the widget is removed meanwhile: poll too.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(refreshed.wait(), LAYOUT_POLL)
        screen = _screen_of(root)
        if screen is not None and not screen.is_current:
            # A background screen is not laid out; its callbacks run at once.
            await asyncio.sleep(LAYOUT_POLL)
            continue
        size = root.outer_size if is_laid_out(root) else None
        if size is not None and size == previous:
            container = unsettled_container(root)
            if container is None or unsettled >= UNSETTLED_LIMIT:
                return True
            container.refresh(layout=True)
            unsettled += 1
        previous = size
    return False


def _splice(base: Strip, x: int, strip: Strip) -> Strip:
    """``base`` with ``strip`` painted over it from cell ``x``."""
    end = x + strip.cell_length
    return Strip.join([base.crop(0, x), strip, base.crop(end, base.cell_length)])


def _paint(root: Widget, rows: range) -> list[Strip]:
    """The lines ``rows`` of ``root`` as the compositor would draw them.

    Children are painted over their parent, in DOM order (Markdown uses no
    layers), each clipped to its ancestors' content regions.
    """
    screen = root.screen
    origin = screen.find_widget(root).region
    window = Region(origin.x, origin.y + rows.start, origin.width, len(rows))
    canvas = root.render_lines(window.translate(-origin.offset))
    stack: list[tuple[Widget, Region]] = [(root, window)]
    while stack:
        parent, clip = stack.pop()
        # The compositor clips children to the parent's region inside padding and border.
        inner = clip.intersection(screen.find_widget(parent).region.shrink(parent.styles.gutter))
        children = [c for c in parent.children if isinstance(c, Widget) and c.display]
        for child in children:
            region = screen.find_widget(child).region
            visible = inner.intersection(region)
            if not visible:
                continue
            lines = child.render_lines(visible.translate(-region.offset))
            x = visible.x - origin.x
            top = visible.y - window.y
            for index, line in enumerate(lines):
                canvas[top + index] = _splice(canvas[top + index], x, line)
        # Reversed onto the stack so earlier siblings are painted first.
        stack.extend((child, inner) for child in reversed(children))
    return canvas


def capture(document: Markdown, theme: str, *, keep: Region | None = None) -> Rendering:
    """The lines of a laid-out ``document`` (an ``empty`` rendering if it has no blocks).

    Args:
        document: a Markdown widget that ``is_laid_out``.
        theme: the app theme it is rendered in (kept to notice a theme change).
        keep: draw and keep only the lines in this screen region (the part
            on screen), and only count the others: drawing a line costs far
            more than laying it out. ``None``: keep every line.
    """
    blocks = top_blocks(document)
    screen = document.screen
    region = screen.find_widget(document).region
    if not blocks:
        return Rendering(region.width, theme, (), top=0, bottom=0, empty=True)
    start = screen.find_widget(blocks[0]).region.y - region.y
    end = max(start, screen.find_widget(blocks[-1]).region.bottom - region.y)
    kept = range(start, end)
    if keep is not None:
        visible = keep.intersection(region)
        kept = range(max(start, visible.y - region.y), min(end, visible.bottom - region.y))
    lines: list[Strip | None] = [None] * (end - start)
    if len(kept) > 0:
        lines[kept.start - start : kept.stop - start] = _paint(document, kept)
    # The document's own line, blank (its children are drawn over it), is what
    # shows in the margins between blocks.
    [blank] = document.render_lines(Region(0, 0, region.width, 1))
    # The margins as the stylesheet sets them, not as joined to a neighbour.
    return Rendering(
        width=region.width,
        theme=theme,
        lines=tuple(lines),
        top=blocks[0].styles.base.margin.top,
        bottom=blocks[-1].styles.base.margin.bottom,
        blank=blank,
    )


async def stage(host: Widget, source: str, theme: str) -> Rendering | None:
    """Render ``source`` in an unseen ``ReplyMarkdown`` inside ``host`` and capture it.

    The widget is a child of ``host``, so the stylesheet styles it exactly
    like a visible one there; as an overlay far off screen it takes no room
    and is never drawn. Returns ``None`` if ``host`` leaves the DOM first.
    """
    document = ReplyMarkdown(source, classes="-staging")
    # An overlay takes no room; far below the screen, it is laid out but never drawn.
    # (Hidden widgets are not laid out at all.)
    document.styles.overlay = "screen"
    document.styles.offset = (0, STAGING_OFFSET)
    await host.mount(document)
    try:
        if not await wait_for_layout(document):
            return None
        try:
            return capture(document, theme)
        except NoWidget:
            return None  # Moved out of the layout meanwhile (its host is going).
    finally:
        if document.is_attached:
            await document.remove()

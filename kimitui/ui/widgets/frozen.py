"""Finished Markdown shown as captured lines: one cheap widget instead of one per block.

``FrozenMarkdown`` holds runs of Markdown source ("pieces") and, once
rendered, the lines a real ``Markdown`` widget drew for each (see
``capture``). It draws with Textual's Line API, so laying it out costs a
list lookup and only visible lines are ever drawn, however long the text.
Text in it can be selected and copied, and its links open like a
``Markdown``'s.

Rendering is lazy. A streamed reply arrives rendered (its runs are captured
where they were shown), but text given whole (a saved reply, a greeting)
starts as source with an estimated height, and a piece whose width or theme
has changed keeps its old lines: such pieces are rendered again (in an unseen
``Markdown`` next to the widget) only once a line of theirs is drawn, one
batch at a time app-wide, what is on screen first. Until then old lines are
shown cut or padded to the width, and never-rendered text as blank lines.
"""

from __future__ import annotations

import bisect
import weakref
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.geometry import Region, Size
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from kimitui.markdown_blocks import split_finished
from kimitui.ui.widgets.capture import Rendering, stage
from kimitui.ui.widgets.per_app import PerApp

__all__ = ["FrozenMarkdown", "split_runs"]


@dataclass(eq=False, slots=True)
class _Piece:
    """A run of Markdown source and its rendering (``None`` until rendered)."""

    source: str
    rendering: Rendering | None = None

    @property
    def shows_nothing(self) -> bool:
        """Whether the piece has no blocks, so it takes no room (not even margins)."""
        if self.rendering is None:
            return not self.source.strip()
        return self.rendering.empty


def split_runs(text: str, size: int) -> list[str]:
    """``text`` cut where blocks are finished into runs of about ``size`` characters.

    A run is never cut inside a fence or a list (see ``split_finished``), so
    the runs rendered one by one, margins joined, look like ``text`` at once.
    """
    runs: list[str] = []
    rest = text
    while len(rest) > size:
        head = ""
        window = size
        while not head and window < len(rest):
            # Whole lines only: the cut depends on the line after a blank one.
            end = rest.find("\n", window)
            end = len(rest) if end < 0 else end + 1
            head, _ = split_finished(rest[:end])
            window = end * 2
        if not head:
            break
        runs.append(head)
        rest = rest[len(head) :]
    if rest:
        runs.append(rest)
    return runs


def _estimate(source: str, width: int) -> int:
    """About how many lines ``source`` will take at ``width``, before it is rendered."""
    usable = max(width - 4, 8)
    return sum(max(1, -(-cell_len(line) // usable)) for line in source.splitlines())


class FrozenMarkdown(Widget):
    """Finished Markdown, drawn from lines captured from a ``Markdown`` widget.

    Consecutive pieces are separated by the larger of the bottom margin of
    one and the top margin of the next, so they look like one document.
    """

    DEFAULT_CSS = """
    FrozenMarkdown {
        height: auto;
    }
    """

    class Rendered(Message):
        """Pieces that had no lines, or stale ones, have been rendered."""

    RUN_CHARS: ClassVar[int] = 6_000
    """Text given whole is cut into runs of about this size, rendered as they are seen."""

    RESTAGE_CHARS: ClassVar[int] = 16_000
    """Neighbouring pieces are rendered again together, up to this much source."""

    def __init__(self, source: str = "", *, classes: str | None = None) -> None:
        """Create the widget, holding ``source`` unrendered.

        Args:
            source: Markdown to show, rendered once it is on screen.
            classes: CSS classes.
        """
        super().__init__(classes=classes)
        self._pieces = [_Piece(run) for run in split_runs(source, self.RUN_CHARS)]
        self._trailing_margin = True
        self._version = 0
        self._lines_key: tuple[int, int] | None = None
        self._measured = -1
        self._lines: list[Strip | None] = []
        self._starts: list[int] = []
        self._wanted: set[_Piece] = set()
        self._drawing = False

    @property
    def source(self) -> str:
        """The Markdown source of everything shown."""
        return "".join(piece.source for piece in self._pieces)

    @property
    def has_blocks(self) -> bool:
        """Whether anything but blank source has been added."""
        return not all(piece.shows_nothing for piece in self._pieces)

    @property
    def is_rendered(self) -> bool:
        """Whether every piece has lines for the current width and theme."""
        width = self.size.width
        return all(self._is_current(piece, width) for piece in self._pieces)

    @property
    def is_restaging(self) -> bool:
        """Whether pieces drawn stale or blank are waiting to be rendered (changing the height)."""
        return bool(self._wanted)

    @property
    def bottom_margin(self) -> int:
        """The bottom margin of the last block (0 if none, or not rendered yet)."""
        for piece in reversed(self._pieces):
            if not piece.shows_nothing:
                return piece.rendering.bottom if piece.rendering is not None else 0
        return 0

    @property
    def trailing_margin(self) -> bool:
        """Whether the last block's bottom margin is drawn.

        Off while another document follows: the margin between the two is
        then that document's to draw, collapsed with its own top margin.
        """
        return self._trailing_margin

    @trailing_margin.setter
    def trailing_margin(self, value: bool) -> None:
        if value != self._trailing_margin:
            self._trailing_margin = value
            self._changed()

    def append(self, source: str, rendering: Rendering) -> None:
        """Add a run of Markdown after the rest, with its captured lines.

        Args:
            source: the run's Markdown source.
            rendering: its lines, captured at (ideally) this widget's width.
        """
        self._pieces.append(_Piece(source, rendering))
        self._changed()

    def extend_source(self, source: str) -> None:
        """Add Markdown after the rest, unrendered: it is rendered once it is drawn.

        Args:
            source: Markdown made of finished blocks (see ``split_finished``).
        """
        self._pieces.extend(_Piece(run) for run in split_runs(source, self.RUN_CHARS))
        self._changed()

    @property
    def is_laid_out(self) -> bool:
        """Whether the last layout measured the lines as they are now.

        Not after a change whose layout is still to come (such as lines
        just rendered): until then the widget's region is its old height.
        """
        return self._measured == self._version

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many lines as the pieces take at ``width`` (some perhaps estimated)."""
        self._measured = self._version
        return len(self._lines_at(width))

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw lines exactly as captured (see ``render_line``)."""
        self._drawing = True
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = False

    def render_line(self, y: int) -> Strip:
        """Line ``y``, with the selection shown.

        Textual draws through ``render_lines`` and asks ``render_line``
        directly which character the mouse is on, from each segment's
        "offset" (column and line in the widget's text). The captured lines
        carry the offsets of the block widgets they came from: they are
        drawn as they are, byte for byte what ``Markdown`` draws, and only
        lines asked for directly get offsets into this widget's text.
        """
        width = self.size.width
        lines = self._lines_at(width)
        line = lines[y] if y < len(lines) else None
        if self._starts and y < len(lines):
            piece = self._pieces[bisect.bisect_right(self._starts, y) - 1]
            stale = line is None or not self._is_current_look(piece, width)
            if stale and piece not in self._wanted and not piece.shows_nothing:
                # Drawn, so on screen: worth rendering properly now.
                self._wanted.add(piece)
                _Restager.get(self.app).request(self)
        strip = line if line is not None else Strip.blank(width, self.visual_style.rich_style)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            style = self.screen.get_component_rich_style("screen--selection")
            strip = _highlight(strip, span, style)
        return strip if self._drawing else strip.apply_offsets(0, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, as shown (the same characters ``render_line`` numbers)."""
        text = "\n".join(
            "" if line is None else line.text.rstrip() for line in self._lines_at(self.size.width)
        )
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        """Redraw to show the new selection."""
        self.refresh()

    async def action_link(self, href: str) -> None:
        """Open a clicked link, as ``Markdown`` does."""
        self.app.open_url(href)

    def _changed(self) -> None:
        self._version += 1
        self.refresh(layout=True)

    def _is_current_look(self, piece: _Piece, width: int) -> bool:
        """Whether the piece's lines (those kept) are drawn for this width and theme."""
        rendering = piece.rendering
        return rendering is not None and (
            rendering.empty or (rendering.width == width and rendering.theme == self.app.theme)
        )

    def _is_current(self, piece: _Piece, width: int) -> bool:
        """Whether the piece has every line, drawn for this width and theme."""
        rendering = piece.rendering
        if rendering is None:
            return piece.shows_nothing
        if rendering.empty:
            return True
        return rendering.width == width and rendering.theme == self.app.theme and rendering.complete

    def _lines_at(self, width: int) -> list[Strip | None]:
        """Every line at ``width``; ``None`` stands for a blank line of no known look."""
        key = (width, self._version)
        if self._lines_key == key:
            return self._lines
        lines: list[Strip | None] = []
        starts: list[int] = []
        bottom: int | None = None
        blank: Strip | None = None
        for piece in self._pieces:
            starts.append(len(lines))
            rendering = piece.rendering
            if piece.shows_nothing:
                continue
            if rendering is None:
                # Never rendered: blank lines, about as many as it will take.
                lines.extend([None] * ((bottom or 0) + _estimate(piece.source, width)))
                bottom, blank = 0, None
                continue
            same_width = rendering.width == width
            blank = rendering.blank if same_width else None
            gap = rendering.top if bottom is None else max(bottom, rendering.top)
            lines.extend([blank] * gap)
            if same_width:
                lines.extend(rendering.lines)
            else:
                lines.extend(
                    None if line is None else line.crop_extend(0, width, None)
                    for line in rendering.lines
                )
            bottom = rendering.bottom
        if bottom is not None and self._trailing_margin:
            lines.extend([blank] * bottom)
        self._lines_key, self._lines, self._starts = key, lines, starts
        return lines

    def _stale_run(self, width: int) -> tuple[int, int] | None:
        """The wanted stale pieces and stale neighbours, up to ``RESTAGE_CHARS`` of source."""
        pieces = self._pieces
        stale = [piece for piece in pieces if not self._is_current(piece, width)]
        self._wanted.intersection_update(stale)
        first = next((i for i, piece in enumerate(pieces) if piece in self._wanted), None)
        if first is None:
            return None
        start, end, size = first, first + 1, len(pieces[first].source)
        while (
            end < len(pieces)
            and not self._is_current(pieces[end], width)
            and size + len(pieces[end].source) <= self.RESTAGE_CHARS
        ):
            size += len(pieces[end].source)
            end += 1
        while (
            start > 0
            and not self._is_current(pieces[start - 1], width)
            and size + len(pieces[start - 1].source) <= self.RESTAGE_CHARS
        ):
            start -= 1
            size += len(pieces[start].source)
        return start, end

    async def restage_batch(self) -> bool:
        """Render one batch of wanted stale pieces; ``False`` once none is wanted."""
        width, host = self.size.width, self.parent
        if not width or not isinstance(host, Widget) or not self.is_attached:
            return False
        if not self.is_on_screen:
            # Hidden since (see ``Transcript``): wanted again if drawn again.
            self._wanted.clear()
            return False
        run = self._stale_run(width)
        if run is None:
            return False
        start, end = run
        pieces = self._pieces[start:end]
        source = "".join(piece.source for piece in pieces)
        rendering = await stage(host, source, self.app.theme)
        if rendering is None:
            return self.is_attached
        if self._pieces[start:end] == pieces:
            # One piece now: the joined source renders as the pieces did, joined.
            self._pieces[start:end] = [_Piece(source, rendering)]
            self._wanted.difference_update(pieces)
            self._changed()
            # Its margins are known now: a document after this one may need them.
            self.post_message(self.Rendered())
        return True


def _highlight(strip: Strip, span: tuple[int, int], style: Style) -> Strip:
    """``strip`` with characters ``span`` (end -1: to the end) restyled by ``style``."""
    start, end = span
    if end == -1:
        end = len(strip.text)
    segments: list[Segment] = []
    position = 0
    for text, segment_style, control in strip:
        size = len(text)
        first, last = max(start - position, 0), min(end - position, size)
        if control or first >= last:
            segments.append(Segment(text, segment_style, control))
        else:
            if first:
                segments.append(Segment(text[:first], segment_style))
            chosen = text[first:last]
            segments.append(Segment(chosen, segment_style + style if segment_style else style))
            if last < size:
                segments.append(Segment(text[last:], segment_style))
        position += size
    return Strip(segments, strip.cell_length)


class _Restager(PerApp):
    """Renders the wanted stale pieces of one app's ``FrozenMarkdown``, one batch at a time.

    One at a time so that scrolling through a long history never mounts
    thousands of block widgets at once; what is on screen goes first.
    """

    def __init__(self, app: App[object]) -> None:
        super().__init__(app)
        self._waiting: weakref.WeakSet[FrozenMarkdown] = weakref.WeakSet()
        self._running = False

    def request(self, widget: FrozenMarkdown) -> None:
        """Render ``widget``'s wanted stale pieces soon."""
        self._waiting.add(widget)
        if not self._running:
            self._running = True
            # A failure leaves lines blank or stale, and must never close the app.
            self._app.run_worker(
                self._run(), group="frozen-markdown", description="Render", exit_on_error=False
            )

    async def _run(self) -> None:
        try:
            while self._waiting:
                widget = min(self._waiting, key=_priority)
                if not await widget.restage_batch():
                    self._waiting.discard(widget)
        finally:
            self._running = False


def _priority(widget: FrozenMarkdown) -> tuple[int, int]:
    """On screen first, then nearest to the screen."""
    if not widget.is_attached:
        return (2, 0)
    region, screen = widget.region, widget.screen.region
    if region.overlaps(screen):
        return (0, region.y)
    return (1, min(abs(region.y - screen.bottom), abs(region.bottom - screen.y)))

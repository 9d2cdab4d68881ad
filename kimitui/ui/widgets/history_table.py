"""The history list: saved conversations, or the messages a search found.

Render-only: the history screen hands it summaries or search hits and asks
which conversation is under the cursor. Titles, names and snippets are data,
so every cell is a ``rich.text.Text`` (``DataTable`` parses a plain ``str``
cell as markup) and search matches are marked with styled spans at the
offsets the store returns, never with markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from rich.cells import cell_len
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from kimitui.store import ConversationSummary, SearchHit

HIGHLIGHT = "bold reverse"
"""How a search match is marked inside its snippet (readable in every theme)."""

Row = tuple[str, str, list[Text]]
"""One table row: its key, the id of the conversation it belongs to, and its cells."""


def local_time(moment: datetime) -> str:
    """A stored (UTC) time as the local date and time shown in the list."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def cell(text: str, *, justify: Literal["left", "right"] = "left") -> Text:
    """A one-line cell showing ``text`` literally."""
    return Text(text, no_wrap=True, overflow="ellipsis", justify=justify)


def hit_text(hit: SearchHit) -> Text:
    """A search hit's snippet, after who wrote it, with every match highlighted."""
    who = "You: " if hit.role == "user" else "Kimi: "
    text = cell(who)
    text.stylize("dim", 0, len(who))
    text.append(hit.snippet)
    for start, end in hit.highlights:
        text.stylize(HIGHLIGHT, len(who) + start, len(who) + end)
    return text


class HistoryTable(DataTable[Text]):
    """One row per conversation (or per matching message), newest first."""

    def __init__(self, *, id: str | None = None) -> None:
        """Create an empty list with a row cursor.

        Args:
            id: the DOM id.
        """
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.titles: dict[str, str] = {}
        """The title of every conversation listed, by id."""
        self._targets: dict[str, str] = {}

    def selected(self) -> str | None:
        """The id of the conversation under the cursor, if there is a row."""
        if not self.row_count:
            return None
        row_key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        return self._targets.get(row_key.value or "")

    def show_summaries(self, summaries: Sequence[ConversationSummary]) -> None:
        """List conversations: title, persona, model, local update time, message count."""
        self.titles = {summary.id: summary.title for summary in summaries}
        persona_width = max((cell_len(s.persona) for s in summaries), default=0)
        model_width = max((cell_len(s.model) for s in summaries), default=0)
        widths = [max(7, persona_width), max(5, model_width), 16, 4]
        rows: list[Row] = [
            (
                s.id,
                s.id,
                [
                    cell(s.title),
                    cell(s.persona),
                    cell(s.model),
                    cell(local_time(s.updated_at)),
                    cell(str(s.message_count), justify="right"),
                ],
            )
            for s in summaries
        ]
        labels = ["Title", "Persona", "Model", "Updated", "Msgs"]
        self._fill(labels, [self._rest(widths), *widths], rows)

    def show_hits(self, hits: Sequence[SearchHit]) -> None:
        """List matching messages: conversation title, highlighted snippet, local time."""
        self.titles = {hit.conversation_id: hit.title for hit in hits}
        title_width = max(12, min(28, max((cell_len(hit.title) for hit in hits), default=0)))
        rest = self._rest([title_width, 16])
        rows: list[Row] = [
            (
                hit.message_id,
                hit.conversation_id,
                [cell(hit.title), hit_text(hit), cell(local_time(hit.created_at))],
            )
            for hit in hits
        ]
        self._fill(["Conversation", "Match", "Date"], [title_width, rest, 16], rows)

    def _rest(self, widths: Sequence[int]) -> int:
        """The width left for the one stretchy column beside ``widths``."""
        available = self.scrollable_content_region.width or self.app.size.width - 8
        # Each column has a cell of padding on both sides; keep one for the scrollbar.
        return max(12, available - sum(widths) - 2 * (len(widths) + 1) - 1)

    def _fill(self, labels: Sequence[str], widths: Sequence[int], rows: Sequence[Row]) -> None:
        cursor = self.cursor_row
        self.clear(columns=True)
        for label, width in zip(labels, widths, strict=True):
            self.add_column(Text(label), width=width)
        self._targets = {}
        for key, conversation_id, cells in rows:
            self.add_row(*cells, key=key)
            self._targets[key] = conversation_id
        if rows:
            self.move_cursor(row=min(max(cursor, 0), len(rows) - 1), animate=False)

"""The history screen: browse, search, open, rename, delete and export saved conversations.

It lists the store's conversations newest first; typing in the search box
runs a full-text search (debounced, in a worker, the store call in a thread)
and lists the matching messages with their matches highlighted (see
``HistoryTable``). Enter loads the selected conversation and dismisses the
screen with it, and the chat shows it. The store is only ever called from a
thread, since a locked database can make a call wait, and every
``StoreError`` becomes a notification, never a crash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import DescendantFocus
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from kimitui.chat.conversation import Conversation
from kimitui.store import ConversationStore, ConversationSummary, SearchHit, StoreError
from kimitui.store.export import export_conversation
from kimitui.ui.exporting import write_export
from kimitui.ui.screens.confirm import ConfirmScreen
from kimitui.ui.screens.rename import RenameScreen
from kimitui.ui.widgets.history_table import HistoryTable

DEBOUNCE = 0.25
"""Seconds of quiet typing before a search runs."""
SAVING_OFF = (
    "Saving is off for this session (--incognito, save = false in the config, or the "
    "database could not be opened), so there is no history to show."
)
PLACEHOLDER = "Search saved conversations · ↓ moves to the list"
EMPTY = "No saved conversations yet: they are saved as you chat."


class HistoryScreen(ModalScreen[Conversation | None]):
    """Saved conversations; dismisses with the one to open, or ``None``."""

    DEFAULT_CSS = """
    HistoryScreen {
        align: center middle;
    }

    #history-panel {
        width: 100%;
        height: 100%;
        padding: 0 1;
        border: round $primary;
        border-title-color: $primary;
        border-title-style: bold;

        & > #history-search {
            margin: 0 0 0 0;
        }
        & > #history-status {
            height: auto;
            padding: 0 1;
            color: $text-muted;
        }
        & > HistoryTable {
            height: 1fr;
            background: transparent;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True, id="history.open"),
        Binding("escape", "close", "Close", id="history.close"),
        Binding("r", "rename", "Rename", id="history.rename"),
        Binding("d", "delete", "Delete", id="history.delete"),
        Binding("e", "export", "Export .md", id="history.export"),
        Binding("slash", "focus_search", "Search", id="history.search"),
        Binding("down", "focus_results", "List", show=False, id="history.results"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Open the selected conversation in the chat. |
    | escape | Close the history. |
    | r | Rename the selected conversation. |
    | d | Delete the selected conversation (asks first). |
    | e | Export the selected conversation to Markdown in the current directory. |
    | / | Back to the search box. |
    | down | From the search box, move into the list. |
    """

    search_input = getters.query_one("#history-search", Input)
    table = getters.query_one("#history-table", HistoryTable)
    status = getters.query_one("#history-status", Static)

    def __init__(self, store: ConversationStore | None, *, current_id: str | None = None) -> None:
        """Create the screen.

        Args:
            store: the conversation store, or ``None`` when saving is off.
            current_id: the id of the conversation open in the chat, if saved.
        """
        super().__init__()
        self._store = store
        self.current_id = current_id
        """The conversation open in the chat."""
        self.deleted: set[str] = set()
        """Ids deleted here (the chat starts afresh if its conversation is one)."""

    def compose(self) -> ComposeResult:
        """Search box, status line and the list, in a panel; the footer below."""
        with Vertical(id="history-panel") as panel:
            panel.border_title = "History"
            yield Input(placeholder=PLACEHOLDER, id="history-search")
            yield Static("", id="history-status", markup=False)
            yield HistoryTable(id="history-table")
        yield Footer()

    def on_mount(self) -> None:
        """List the conversations, or say that saving is off."""
        if self._store is None:
            self.search_input.display = False
            self.table.display = False
            self._say(SAVING_OFF)
            return
        self.search_input.focus()
        self.load_rows("", debounce=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Row actions need a row; the letter keys only work from the list."""
        if action in ("open", "rename", "delete", "export"):
            if self.selected() is None:
                return False
            return action == "open" or self.table.has_focus
        if action == "focus_search":
            return self.table.has_focus
        if action == "focus_results":
            return self.search_input.has_focus and self.table.row_count > 0
        return True

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Which keys work depends on what has focus."""
        self.refresh_bindings()

    def selected(self) -> str | None:
        """The id of the conversation under the cursor, if any."""
        return None if self._store is None else self.table.selected()

    @on(Input.Changed, "#history-search")
    def search(self, event: Input.Changed) -> None:
        """Search as the user types (or list everything when the box is empty)."""
        self.load_rows(event.value)

    @on(DataTable.RowSelected)
    def row_chosen(self, event: DataTable.RowSelected) -> None:
        """A click on the highlighted row opens it, as Enter does."""
        self.action_open()

    def action_close(self) -> None:
        """Close without opening anything."""
        self.dismiss(None)

    def action_focus_search(self) -> None:
        """Focus the search box."""
        self.search_input.focus()

    def action_focus_results(self) -> None:
        """Focus the list."""
        self.table.focus()

    def action_open(self) -> None:
        """Load the selected conversation and hand it to the chat."""
        target = self.selected()
        if target is not None:
            self._open(target)

    def action_rename(self) -> None:
        """Ask for a new title for the selected conversation."""
        target = self.selected()
        if target is None:
            return

        def renamed(title: str | None) -> None:
            if title is not None:
                self._rename(target, title)

        self.app.push_screen(RenameScreen(self.table.titles.get(target, "")), renamed)

    def action_delete(self) -> None:
        """Delete the selected conversation, once the user confirms."""
        target = self.selected()
        if target is None:
            return
        question = f"Delete “{self.table.titles.get(target, '')}”? This cannot be undone."
        if target == self.current_id:
            question += " It is open in the chat, which will start a new conversation."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._delete(target)

        self.app.push_screen(ConfirmScreen(question, confirm_label="Delete"), confirmed)

    def action_export(self) -> None:
        """Write the selected conversation to a Markdown file in the current directory."""
        target = self.selected()
        if target is not None:
            self._export(target)

    @work(exclusive=True, group="history-rows", exit_on_error=False)
    async def load_rows(self, query: str, *, debounce: bool = True) -> None:
        """Fill the list: every conversation, or the messages matching ``query``."""
        store = self._store
        if store is None:
            return
        if debounce:
            await asyncio.sleep(DEBOUNCE)
        try:
            if query.strip():
                hits = await asyncio.to_thread(store.search, query)
                self._show_hits(query, hits)
            else:
                summaries = await asyncio.to_thread(store.list_conversations)
                self._show_summaries(summaries)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)

    def _show_summaries(self, summaries: Sequence[ConversationSummary]) -> None:
        self.table.show_summaries(summaries)
        self.refresh_bindings()
        count = len(summaries)
        self._say(f"{count} saved conversation{'s' if count != 1 else ''}" if count else EMPTY)

    def _show_hits(self, query: str, hits: Sequence[SearchHit]) -> None:
        self.table.show_hits(hits)
        self.refresh_bindings()
        count, query = len(hits), query.strip()
        self._say(
            f"{count} message{'s' if count != 1 else ''} match “{query}”"
            if count
            else f"Nothing matches “{query}”."
        )

    def _say(self, text: str) -> None:
        self.status.update(Content(text))

    @work(exclusive=True, group="history-open", exit_on_error=False)
    async def _open(self, conversation_id: str) -> None:
        if self._store is None:
            return
        try:
            conversation = await asyncio.to_thread(self._store.load, conversation_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.dismiss(conversation)

    @work(group="history-change", exit_on_error=False)
    async def _rename(self, conversation_id: str, title: str) -> None:
        if self._store is None:
            return
        try:
            await asyncio.to_thread(self._store.rename, conversation_id, title)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.load_rows(self.search_input.value, debounce=False)

    @work(group="history-change", exit_on_error=False)
    async def _delete(self, conversation_id: str) -> None:
        if self._store is None:
            return
        title = self.table.titles.get(conversation_id, "")
        try:
            await asyncio.to_thread(self._store.delete, conversation_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.deleted.add(conversation_id)
        self.notify(f"Deleted “{title}”.", markup=False)
        self.load_rows(self.search_input.value, debounce=False)

    @work(group="history-export", exit_on_error=False)
    async def _export(self, conversation_id: str) -> None:
        if self._store is None:
            return
        try:
            text = await asyncio.to_thread(export_conversation, self._store, conversation_id, "md")
            path = await asyncio.to_thread(write_export, text, conversation_id, "md")
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
        except OSError as error:
            self.notify(f"Could not write the export: {error}", severity="error", markup=False)
        else:
            self.notify(f"Exported to {path}", markup=False)

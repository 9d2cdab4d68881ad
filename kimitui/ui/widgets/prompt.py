"""The message input: a multi-line text area where Enter sends.

Terminals disagree on Shift+Enter (many send a plain Enter for it), so
several keys insert a newline: shift+enter, ctrl+j and alt+enter. Being a
``TextArea``, it keeps ``App.cursor_position`` at the caret, which is where
the terminal places IME candidate windows.

A large paste is folded: the input shows a short token such as
``[pasted text #1 · 22,000 lines · 1.0 MB]`` and the full text is put back
in its place when the message is sent. A text area that had to wrap and draw
a megabyte would freeze the app for seconds on every edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult


class PromptInput(TextArea):
    """Where the user writes a message; Enter posts ``PromptInput.Submitted``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, because TextArea handles Enter itself (it inserts a newline)
        # before any ordinary binding is consulted.
        Binding("enter", "submit", "Send", id="chat.send", priority=True),
        Binding(
            "shift+enter,ctrl+j,alt+enter",
            "newline",
            "Newline",
            id="chat.newline",
            priority=True,
            show=False,
        ),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Send the message. |
    | shift+enter, ctrl+j, alt+enter | Insert a newline. |
    """

    @dataclass
    class Submitted(Message):
        """The user asked to send the text (the input is left as it is)."""

        prompt_input: PromptInput
        """The input that was submitted."""
        text: str
        """Its text when Enter was pressed."""

        @property
        def control(self) -> PromptInput:
            """The input that was submitted (for ``@on`` selectors)."""
            return self.prompt_input

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        """Create an empty input.

        Args:
            id: the DOM id.
            placeholder: shown while the input is empty.
        """
        super().__init__(
            "",
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            placeholder=placeholder,
            id=id,
        )
        self._folded: dict[str, str] = {}

    FOLD_CHARS: ClassVar[int] = 4000
    """Pastes longer than this are folded into a token."""

    @property
    def value(self) -> str:
        """The message as it will be sent: the text with folded pastes expanded."""
        text = self.text
        for token, pasted in self._folded.items():
            text = text.replace(token, pasted, 1)
        return text

    def fold(self, text: str) -> str:
        """Keep ``text`` aside and return the token that stands for it in the input."""
        lines = text.count("\n") + 1
        size = len(text.encode("utf-8"))
        shown = f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"
        token = f"[pasted text #{len(self._folded) + 1} · {lines:,} lines · {shown}]"
        self._folded[token] = text
        return token

    async def _on_paste(self, event: events.Paste) -> None:
        if len(event.text) > self.FOLD_CHARS and not self.read_only:
            # Stops TextArea's own paste handler, which would insert it all.
            event.prevent_default()
            start, end = self.selection
            result = self.replace(self.fold(event.text), start, end)
            self.move_cursor(result.end_location)

    def clear(self) -> EditResult:
        """Empty the input and forget folded pastes."""
        self._folded.clear()
        return super().clear()

    # Enter and the newline keys are priority bindings: the app runs them the
    # moment the key arrives, while keys typed just before (arriving together,
    # as when typing while the app is busy starting) may still wait in this
    # input's queue. Both actions are scheduled behind them.

    def action_submit(self) -> None:
        """Post ``Submitted`` with the message as it will be sent, once typed keys are in."""
        self.call_later(self._submit)

    def action_newline(self) -> None:
        """Insert a newline at the caret (replacing any selection), once typed keys are in."""
        self.call_later(self._newline)

    def _submit(self) -> None:
        self.post_message(self.Submitted(self, self.value))

    def _newline(self) -> None:
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)

    def restore(self, text: str) -> bool:
        """Put ``text`` back into the input, only if the user has not typed anything since.

        Returns:
            Whether the text was restored.
        """
        if self.text.strip():
            return False
        self._folded.clear()
        self.load_text(self.fold(text) if len(text) > self.FOLD_CHARS else text)
        self.move_cursor(self.document.end)
        return True

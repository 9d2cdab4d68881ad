"""The message input: a multi-line text area where Enter sends.

Terminals disagree on Shift+Enter (many send a plain Enter for it), so
several keys insert a newline: shift+enter, ctrl+j and alt+enter. Being a
``TextArea``, it keeps ``App.cursor_position`` at the caret, which is where
the terminal places IME candidate windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea


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

    def action_submit(self) -> None:
        """Post ``Submitted`` with the current text."""
        self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        """Insert a newline at the caret, replacing any selection."""
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)

    def restore(self, text: str) -> bool:
        """Put ``text`` back into the input, only if the user has not typed anything since.

        Returns:
            Whether the text was restored.
        """
        if self.text.strip():
            return False
        self.load_text(text)
        self.move_cursor(self.document.end)
        return True

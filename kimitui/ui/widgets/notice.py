"""A one-line note in the transcript: a notice, a warning or an error.

The text is data (error messages, model names) and is shown as plain
``Content``, never parsed as markup.
"""

from __future__ import annotations

from typing import Literal

from textual.content import Content
from textual.widgets import Static

NoticeKind = Literal["info", "warning", "error"]


class Notice(Static):
    """A short line of text between messages, styled by its kind (``-info``, ``-error``...)."""

    def __init__(self, text: str, *, kind: NoticeKind = "info") -> None:
        """Create a notice.

        Args:
            text: the sentence to show, verbatim.
            kind: how it is styled.
        """
        super().__init__(Content(text), markup=False, classes=f"-{kind}")
        self.kind: NoticeKind = kind
        """How the notice is styled."""
        self.text = text
        """The sentence shown."""

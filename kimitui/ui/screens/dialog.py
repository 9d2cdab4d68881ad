"""The base of kimitui's small modal dialogs (confirm, rename, import): their look.

A dialog composes a ``Vertical`` with the ``dialog`` class holding its
content, with an optional ``dialog-title`` above and a ``dialog-hint`` or
``dialog-buttons`` below; this class centres it and styles those parts.
The CSS lives here rather than in ``app.tcss`` so it is parsed when a
dialog first opens, not at start-up.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class DialogScreen(ModalScreen[ResultType]):
    """A modal showing one centred ``.dialog`` panel; dismisses with a ``ResultType``."""

    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
    }

    .dialog {
        width: 70;
        max-width: 100%;
        height: auto;
        padding: 1 2;
        background: $panel;
        border: round $primary;

        & > .dialog-title {
            text-style: bold;
            margin: 0 0 1 0;
        }
        & > .dialog-hint {
            color: $text-muted;
            margin: 1 0 0 0;
        }
        & > .dialog-buttons {
            height: auto;
            margin: 1 0 0 0;
            align-horizontal: right;
            & > Button {
                margin: 0 0 0 2;
            }
        }
    }
    """

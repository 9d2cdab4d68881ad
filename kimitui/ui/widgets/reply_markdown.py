"""Textual's ``Markdown`` as kimitui shows replies: a fence without a language is plain text.

Textual highlights a fence that names no language by asking Pygments to
guess one. The guess is often wrong and costly:

- prose and command output in such a fence come out coloured as some
  programming language (in the benchmark's reply, Chinese paragraphs were
  highlighted as GDScript and as Objective-C);
- the first guess imports every Pygments lexer (about 175 ms on these
  machines, a stall in the middle of a streaming reply), and every later one
  runs all of them over the code (3-15 ms), on each render of a fence that
  is still streaming, where each render can guess differently.

So, as in CommonMark, GitHub and Rich's Markdown (print mode), a fence
without a language is shown as plain text, and a fence's language is the
first word of its info string (```` ```python title="x" ```` is Python;
unlike Rich, ```` ``` python ```` is too: CommonMark trims the info string).
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

__all__ = ["PlainFence", "ReplyMarkdown"]

PLAIN = "text"
"""The Pygments lexer that leaves code as it is."""


class PlainFence(MarkdownFence):
    """A code block, highlighted only in the language its fence names."""

    @classmethod
    def highlight(cls, code: str, language: str, ansi: bool = False, dark: bool = False) -> Content:
        """Highlight ``code`` as the first word of ``language``, or not at all."""
        words = language.split()
        return super().highlight(code, words[0] if words else PLAIN, ansi, dark)


class ReplyMarkdown(Markdown):
    """``Markdown`` whose code blocks are ``PlainFence``s."""

    BLOCKS: dict[str, type[MarkdownBlock]] = {  # noqa: RUF012 (Textual declares it so)
        **Markdown.BLOCKS,
        "fence": PlainFence,
        "code_block": PlainFence,
    }

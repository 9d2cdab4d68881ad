"""The live tail of a streaming reply: Textual's ``Markdown``, with lists that grow in place.

``Markdown.append`` re-parses the text from the start of the last top-level
block and updates that block from the new parse. Paragraphs, fences and
tables update in place, but a list is removed and mounted again whole, so a
list being written costs every item's widgets (four each) on every render:
O(items) per render, and the garbage of all those widgets. Here a list
whose earlier items are unchanged keeps them: only its last item is
replaced, and new items are added after it.

The result is the same widgets ``Markdown`` would build, made by the list's
own ``compose``; when anything else differs (an earlier bullet, a numbering
that got wider, fewer items), the list is rebuilt as ``Markdown`` does.

When the reply ends, ``finish`` gives the document its exact final form, the
one ``Markdown.update`` would build from the whole text, at the cost of a
parse rather than of new widgets: the last text is appended, and the
document is rebuilt only if its top-level blocks then differ from a full
parse's (or a link reference definition could have changed earlier ones).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal
from textual.widget import Widget

# Not exported by textual.widgets.markdown; ``_update_from_block``, which
# ``Markdown.append`` calls, is Textual's private hook too (Textual is pinned
# below 9, and the frozen-reply tests compare with ``ReplyMarkdown``).
from textual.widgets._markdown import (
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownOrderedList,
    MarkdownParagraph,
)
from textual.widgets.markdown import MarkdownBlock

from kimitui.ui.widgets.reply_markdown import PlainFence, ReplyMarkdown

__all__ = ["LiveMarkdown"]


async def _grow_in_place(current: MarkdownBlock, new: MarkdownBlock) -> bool:
    """Update the mounted list ``current`` from ``new``, keeping unchanged items.

    Returns ``False``, having changed nothing, when it cannot be done in place.
    """
    if type(new) is not type(current) or not getattr(current._markdown, "lists_grow", True):
        return False
    rows = [child for child in current.children if isinstance(child, Horizontal)]
    if len(rows) != len(current.children) or not rows:
        return False
    # ``compose`` uses up the block's items; they are put back for Textual's own
    # update, should this one not apply (the rows made here are then dropped).
    items = list(new._blocks)
    new_rows = [row for row in new.compose() if isinstance(row, Horizontal)]
    new._blocks[:] = items
    if len(new_rows) < len(rows):
        return False
    if any(_symbol(row) != _symbol(new_row) for row, new_row in zip(rows, new_rows, strict=False)):
        return False
    # The caller (``Markdown.append``) holds a batch: no frame shows a half-done list.
    last, added = rows[-1], new_rows[len(rows) :]
    if not await _update_item(last, new_rows[len(rows) - 1]):
        await last.remove()
        added.insert(0, new_rows[len(rows) - 1])
    if added:
        await current.mount_all(added)
    return True


async def _update_item(row: Widget, new_row: Widget) -> bool:
    """Update the blocks of the mounted item ``row`` from ``new_row``'s, if all update in place.

    Paragraphs and fences take new content and nested lists grow (above).
    Anything else, or a nested list that cannot grow, returns ``False``, and
    the caller replaces the whole row: Textual's own fallback would mount the
    new block at the end of the document, outside the list. Blocks before
    the one that failed may have been updated; the row is replaced anyway.
    """
    blocks = _content(row).children
    new_blocks = _content(new_row)._pending_children
    if len(blocks) != len(new_blocks):
        return False
    pairs = list(zip(blocks, new_blocks, strict=True))
    if not all(type(block) is type(new) and type(block) in _IN_PLACE for block, new in pairs):
        return False
    for block, new in pairs:
        assert isinstance(block, MarkdownBlock) and isinstance(new, MarkdownBlock)
        if isinstance(block, LiveBulletList | LiveOrderedList):
            if not await _grow_in_place(block, new):
                return False
        else:
            await block._update_from_block(new)
    return True


def _content(row: Widget) -> Widget:
    """The ``Vertical`` holding a list row's blocks (its second child)."""
    children = row.children or row._pending_children
    return children[1]


def _symbol(row: Widget) -> str | None:
    """The bullet (or number) a list row shows."""
    # Rows of ``new`` are not mounted: their children are still pending.
    children = row.children or row._pending_children
    bullet = children[0] if children else None
    return bullet.symbol if isinstance(bullet, MarkdownBullet) else None


class LiveBulletList(MarkdownBulletList):
    """A bullet list that grows in place while it is being written."""

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not await _grow_in_place(self, block):
            await super()._update_from_block(block)


class LiveOrderedList(MarkdownOrderedList):
    """An ordered list that grows in place while it is being written."""

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not await _grow_in_place(self, block):
            await super()._update_from_block(block)


_IN_PLACE: frozenset[type[Widget]] = frozenset(
    {MarkdownParagraph, PlainFence, LiveBulletList, LiveOrderedList}
)
"""Blocks whose ``_update_from_block`` updates them where they are."""

_TOP_LEVEL = frozenset(
    {
        "heading_open",
        "hr",
        "paragraph_open",
        "blockquote_open",
        "bullet_list_open",
        "ordered_list_open",
        "table_open",
        "fence",
        "code_block",
    }
)
"""Tokens from which ``Markdown`` builds a block of the document (see ``_parse_markdown``)."""


class LiveMarkdown(ReplyMarkdown):
    """``ReplyMarkdown`` for text being streamed: lists grow in place (see the module)."""

    lists_grow = True
    """Whether the last append may grow a list in place (see ``append``)."""

    def append(self, markdown: str) -> AwaitComplete:
        """Append to the document, as ``Markdown.append`` does.

        A link reference definition (``[foo]: url``) gives a meaning to
        ``[foo]`` anywhere before it, so items already shown can change:
        while the text holds one, lists are rebuilt whole, as Textual does.
        """
        self.lists_grow = "]:" not in self.source + markdown
        return super().append(markdown)

    async def finish(self, markdown: str) -> None:
        """Show ``markdown`` in its exact final form (see the module).

        Args:
            markdown: the whole document: usually this one's source and more.
        """
        if markdown.startswith(self.source) and "]:" not in markdown:
            await self.append(markdown[len(self.source) :])
            if self._matches_full_parse():
                return
        await self.update(markdown)

    def _matches_full_parse(self) -> bool:
        """Whether the top-level blocks are those a full parse of the source makes.

        The same kinds of block over the same lines: each block's widgets
        depend only on its own lines (link definitions aside), and the last
        one was just updated from a parse.
        """
        parser = MarkdownIt("gfm-like") if self._parser_factory is None else self._parser_factory()
        expected = [
            (
                self.get_block_class(token.tag if token.type == "heading_open" else token.type),
                token.map,
            )
            for token in parser.parse(self.source)
            if token.level == 0 and token.map is not None and token.type in _TOP_LEVEL
        ]
        shown = [
            (type(block), list(block.source_range))
            for block in self.children
            if isinstance(block, MarkdownBlock)
        ]
        return shown == expected

    BLOCKS: dict[str, type[MarkdownBlock]] = {  # noqa: RUF012 (Textual declares it so)
        **ReplyMarkdown.BLOCKS,
        "bullet_list_open": LiveBulletList,
        "ordered_list_open": LiveOrderedList,
    }

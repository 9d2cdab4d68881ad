"""Find where streamed Markdown can be cut into finished blocks.

A block is finished once a blank line follows it outside a fenced code block:
nothing later can change how it renders (except a reference-style link, which
chat replies practically never use). Print mode commits finished blocks to
the terminal and keeps only the tail live, so each token costs the tail's
size, not the whole reply's.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:\s|$)")
_NUMBER = re.compile(r"^ {0,3}\d{1,9}$")
"""A line still being written that may yet become an ordered list item (``2`` of ``2. b``)."""


def split_finished(text: str) -> tuple[str, str]:
    """Split ``text`` into (finished blocks, unfinished tail).

    The cut is after the last blank line that lies outside a code fence and
    is followed by a line that neither is indented nor starts a list item:
    ``- a`` / blank / ``- b`` is one loose list, so lists and fences are
    never split. A last line that is only a number may still become an
    item (``2`` of ``2. b``), so it does not end the block above it yet.
    """
    cut = 0
    fence: str | None = None
    offset = 0
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        offset += len(line)
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence) and line.strip() == marker:
                fence = None
            continue
        if fence is None and not line.strip() and line.endswith("\n"):
            following = lines[index + 1] if index + 1 < len(lines) else None
            if (
                following is not None
                and following.strip()
                and not following[0].isspace()
                and not _LIST_ITEM.match(following)
                and not (_NUMBER.match(following) and not following.endswith("\n"))
            ):
                cut = offset
    return text[:cut], text[cut:]

"""Full-text search over saved messages, with snippets for the history screen.

A query is split into words; a message matches when it contains every word,
in any case, anywhere (substring, so it works for Chinese too). Words of three
or more characters go through the FTS5 trigram index; a shorter word cannot
be looked up in a trigram index, so such queries (and databases without FTS5)
fall back to a scan. Snippets are cut in Python around the first match, with
the match positions returned as offsets so the UI can highlight them without
building markup from the text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

SNIPPET_LENGTH = 90
"""Characters of message text around the first match."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message that matches a search.

    Attributes:
        title: the conversation's title, as in the history list.
        snippet: one line of the message around the first match.
        highlights: ``(start, end)`` offsets of every match inside ``snippet``.
    """

    conversation_id: str
    title: str
    message_id: str
    role: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    created_at: datetime


TitleOf = Callable[[str | None, str | None], str]


def search_messages(
    db: sqlite3.Connection, query: str, limit: int, *, title_of: TitleOf
) -> list[SearchHit]:
    """Messages containing every word of ``query``, newest first."""
    words = query.split()
    if not words:
        return []
    select = """
        SELECT m.conversation_id, c.title,
            (SELECT u.content FROM messages u WHERE u.conversation_id = c.id AND u.role = 'user'
                ORDER BY u.seq LIMIT 1),
            m.id, m.role, m.content, m.created_at
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
    """
    if all(len(word) >= 3 for word in words) and _has_trigram_index(db):
        # Each word quoted as an FTS5 string: the user's text is never syntax.
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        rows = db.execute(
            f"{select} WHERE m.seq IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)"
            " ORDER BY m.seq DESC LIMIT ?",
            (match, limit),
        ).fetchall()
    else:
        condition = " AND ".join("m.content LIKE ? ESCAPE '\\'" for _ in words)
        rows = db.execute(
            f"{select} WHERE {condition} ORDER BY m.seq DESC LIMIT ?",
            (*(f"%{_escape_like(word)}%" for word in words), limit),
        ).fetchall()
    pattern = re.compile(
        "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    hits = []
    for conversation_id, title, first_user, message_id, role, content, created in rows:
        snippet, highlights = make_snippet(content, pattern)
        hits.append(
            SearchHit(
                conversation_id=conversation_id,
                title=title_of(title, first_user),
                message_id=message_id,
                role=role,
                snippet=snippet,
                highlights=highlights,
                created_at=datetime.fromisoformat(created),
            )
        )
    return hits


def make_snippet(
    text: str, pattern: re.Pattern[str], length: int = SNIPPET_LENGTH
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A one-line window of ``text`` around the first match, and where the matches are."""
    first = pattern.search(text)
    start = max(0, first.start() - length // 3) if first else 0
    end = min(len(text), start + length)
    # Whitespace is replaced one character for one, so match offsets still hold.
    window = re.sub(r"\s", " ", text[start:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    highlights = tuple(
        (match.start() + len(prefix), match.end() + len(prefix))
        for match in pattern.finditer(window)
    )
    return prefix + window + suffix, highlights


def _has_trigram_index(db: sqlite3.Connection) -> bool:
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages_fts'"
    ).fetchone()
    return row is not None and "trigram" in row[0]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""Full-text search across saved conversations: words, case, Chinese, odd input, snippets."""

from __future__ import annotations

import re

import pytest

from kimitui.store import ConversationStore
from kimitui.store.search import make_snippet
from tests.store.helpers import conversation


@pytest.fixture
def filled(store: ConversationStore) -> ConversationStore:
    chats = [
        conversation(("How do I reverse a list in Python?", "Use reversed() or list.reverse().")),
        conversation(("Recommend a Rust crate for JSON", "serde_json is the usual choice.")),
        conversation(("北京今天天气怎么样？", "今天北京晴，气温二十度。")),
        conversation(("100% sure? use a_b", 'He said "AND" OR NOT * near(x)')),
    ]
    for chat in chats:
        for message in chat.messages:
            store.save_message(chat, message)
    return store


def hit_texts(store: ConversationStore, query: str) -> list[str]:
    return [hit.snippet for hit in store.search(query)]


def test_finds_a_word_from_an_old_conversation(filled: ConversationStore) -> None:
    [hit] = filled.search("serde_json")
    assert hit.role == "assistant"
    assert hit.title == "Recommend a Rust crate for JSON"
    assert hit.snippet == "serde_json is the usual choice."
    assert hit.highlights == ((0, 10),)
    assert filled.load(hit.conversation_id).messages[1].id == hit.message_id


def test_every_word_must_match_in_any_case(filled: ConversationStore) -> None:
    assert hit_texts(filled, "PYTHON reverse") == ["How do I reverse a list in Python?"]
    assert hit_texts(filled, "python serde") == []
    assert len(filled.search("reverse")) == 2
    assert filled.search("   ") == []


def test_finds_chinese_inside_a_sentence(filled: ConversationStore) -> None:
    assert hit_texts(filled, "天气怎么") == ["北京今天天气怎么样？"]
    # Two characters are below the trigram index's reach: found by the fallback scan.
    assert sorted(hit_texts(filled, "北京")) == sorted(
        ["北京今天天气怎么样？", "今天北京晴，气温二十度。"]
    )


def test_search_syntax_in_the_query_is_plain_text(filled: ConversationStore) -> None:
    assert hit_texts(filled, '"AND" OR') == ['He said "AND" OR NOT * near(x)']
    assert hit_texts(filled, "near(x)") == ['He said "AND" OR NOT * near(x)']
    assert hit_texts(filled, "100%") == ["100% sure? use a_b"]
    assert hit_texts(filled, "a_b") == ["100% sure? use a_b"]
    assert hit_texts(filled, "0%s") == []  # % and _ are not wildcards
    assert hit_texts(filled, "*") == ['He said "AND" OR NOT * near(x)']
    assert hit_texts(filled, 'NOT "AND"') == ['He said "AND" OR NOT * near(x)']


def test_without_a_search_index_the_scan_finds_the_same(filled: ConversationStore) -> None:
    indexed = hit_texts(filled, "reverse python")
    filled._db.execute("DROP TABLE messages_fts")  # as on an SQLite built without FTS5
    assert hit_texts(filled, "reverse python") == indexed == ["How do I reverse a list in Python?"]


def test_newest_messages_come_first(filled: ConversationStore) -> None:
    hits = filled.search("list")
    assert [hit.role for hit in hits] == ["assistant", "user"]


def test_a_snippet_is_one_line_around_the_first_match() -> None:
    text = (
        "start " + "filler words here " * 10 + "the NEEDLE\nis here and needle again " + "x" * 200
    )
    snippet, highlights = make_snippet(text, re.compile("needle", re.IGNORECASE), length=60)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "\n" not in snippet
    assert [snippet[start:end] for start, end in highlights] == ["NEEDLE", "needle"]

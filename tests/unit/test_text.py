"""Terminal-safety of model text and the finished-block splitter."""

from __future__ import annotations

import pytest

from kimitui.errors import redact
from kimitui.markdown_blocks import split_finished
from kimitui.textsafe import defuse


def test_defuse_turns_control_sequences_into_visible_text() -> None:
    hostile = "a\x1b[2Jb\x1b]52;c;aGVsbG8=\x07c\x1b]8;;http://x\x1b\\d\x08e\rf\x9b"
    safe = defuse(hostile)
    assert not any(ord(ch) < 0x20 and ch not in "\n\t" for ch in safe)
    assert "\x9b" not in safe
    assert "␛[2J" in safe and "␇" in safe and "␈" in safe and "␍" in safe
    assert defuse("line\n\ttab 中文 😀") == "line\n\ttab 中文 😀"


def test_split_finished_cuts_after_blank_lines_outside_fences() -> None:
    text = "# Title\n\nPara one.\n\n```python\nx = 1\n\ny = 2\n```\n\nTail"
    done, tail = split_finished(text)
    assert done == "# Title\n\nPara one.\n\n```python\nx = 1\n\ny = 2\n```\n\n"
    assert tail == "Tail"
    assert split_finished("no blank line yet") == ("", "no blank line yet")
    # A blank line inside an open fence is never a cut.
    assert split_finished("```\ncode\n\nmore") == ("", "```\ncode\n\nmore")
    # Indented continuation keeps a list together.
    assert split_finished("- a\n\n  still a\n") == ("", "- a\n\n  still a\n")


def test_redact_hides_account_and_key_ids() -> None:
    message = (
        "Your account org-abc123<ak-def456> request reached organization max RPM: 3, "
        "key sk-live1234567890"
    )
    redacted = redact(message)
    assert "abc123" not in redacted and "def456" not in redacted
    assert "sk-live1234567890" not in redacted
    assert "max RPM: 3" in redacted


def test_split_finished_keeps_loose_lists_together() -> None:
    assert split_finished("- a\n\n- b\n\nafter") == ("- a\n\n- b\n\n", "after")
    assert split_finished("1. a\n\n2. b") == ("", "1. a\n\n2. b")


def test_split_finished_waits_for_a_number_that_may_become_a_list_item() -> None:
    assert split_finished("1. a\n\n2") == ("", "1. a\n\n2")
    assert split_finished("1. a\n\n2.") == ("", "1. a\n\n2.")
    # A whole line of a number is a paragraph, and a number then text is no item.
    assert split_finished("1. a\n\n2\n") == ("1. a\n\n", "2\n")
    assert split_finished("p\n\n12 apples") == ("p\n\n", "12 apples")


PRINTED_DOCUMENTS = {
    "list, fence, paragraph, quote": (
        "- one\n- two\n\n```python\nx = 1\n```\n\nA paragraph.\n\n"
        "1. first\n2. second\n\n> quote\n\nEnd.\n"
    ),
    "rules, table": (
        "a\n\n---\n\nb\n\n***\n- x\n\n```\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nend"
    ),
    "loose ordered list": "# H\n\n> q\n> - a\n\n    indented\n\n1. x\n\n   y\n\n2. z\n\nlast",
}


@pytest.mark.parametrize("text", PRINTED_DOCUMENTS.values(), ids=list(PRINTED_DOCUMENTS))
@pytest.mark.parametrize("step", [1, 3, 7])
def test_markdown_writer_prints_what_rich_prints_for_the_whole_text(text: str, step: int) -> None:
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    from kimitui.printmode import MarkdownWriter

    out = io.StringIO()
    writer = MarkdownWriter(out)
    writer.console.width = 60
    for start in range(0, len(text), step):
        writer.drawn_at = 0.0  # Draw at every write, as a slow stream does.
        writer.write(text[start : start + step])
    writer.close()
    whole = io.StringIO()
    Console(file=whole, width=60, highlight=False).print(Markdown(text))
    # Finished runs are printed as documents of their own: the blank lines
    # between them must still be those between blocks of one document.
    assert out.getvalue().splitlines() == whole.getvalue().splitlines()


def test_markdown_writer_renders_streamed_markdown_once_finished() -> None:
    import io

    from kimitui.printmode import MarkdownWriter

    out = io.StringIO()
    writer = MarkdownWriter(out)
    writer.console.width = 60
    text = "# Title\n\nSome **bold** text.\n\n- one\n- two\n\n```python\nx = 1\n```\n\nEnd \x1b[2J."
    for start in range(0, len(text), 3):
        writer.write(text[start : start + 3])
    writer.close()
    rendered = out.getvalue()
    assert "Title" in rendered and "# Title" not in rendered
    assert "bold" in rendered and "**" not in rendered
    assert "x = 1" in rendered and "```" not in rendered
    assert "\x1b[2J" not in rendered
    # Each block appears once: finished blocks are never printed twice.
    assert rendered.count("Some") == 1 and rendered.count("x = 1") == 1


def test_markdown_writer_draws_text_held_back_even_if_no_more_comes() -> None:
    import asyncio
    import io

    from kimitui.printmode import MarkdownWriter

    async def pause_after_two_writes() -> None:
        writer = MarkdownWriter(io.StringIO())
        writer.write("First paragraph.\n\n")  # Drawn at once.
        writer.write("Second, held back by the interval.")
        assert writer.pending == ["Second, held back by the interval."]
        await asyncio.sleep(writer.INTERVAL * 3)  # The stream pauses: no more writes.
        # Drawn meanwhile: in the live tail (Rich shows it on a terminal).
        assert writer.pending == []
        assert writer.tail == "Second, held back by the interval."
        writer.close()

    asyncio.run(pause_after_two_writes())

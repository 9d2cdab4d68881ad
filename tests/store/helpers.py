"""Shared pieces for the store tests: quick conversations and what a transcript shows.

The scripted provider the store tests stream through is `tests.scripted_provider`.
"""

from __future__ import annotations

from kimitui.chat.conversation import ChatMessage, Conversation, MessageState


def conversation(*pairs: tuple[str, str], persona: str = "kimi") -> Conversation:
    """A finished conversation with one user/assistant exchange per pair."""
    messages: list[ChatMessage] = []
    for question, answer in pairs:
        messages.append(ChatMessage("user", question))
        messages.append(ChatMessage("assistant", answer, model="kimi-test"))
    return Conversation("be brief", "kimi-test", persona=persona, messages=messages)


def shape(conversation: Conversation) -> list[tuple[str, str, MessageState]]:
    """What a transcript shows: role, text and state of each message."""
    return [(m.role, m.content, m.state) for m in conversation.messages]

"""The chat's conversations: new ones for a persona, and saved ones put back on screen.

``new_conversation`` builds an empty conversation from a persona and the
settings. ``persona_for`` finds the persona a saved conversation was held
with (the conversation's own system prompt, model and temperature still
win). ``show_saved`` rebuilds a transcript from a loaded conversation with the
same widgets a live chat uses: each reply is handed its whole text and
rendered at once (nothing is streamed), and interrupted, cut-off and unsent
messages carry the same marks they had when they happened.
"""

from __future__ import annotations

from kimitui.chat.conversation import Conversation, MessageState
from kimitui.config import Settings
from kimitui.personas import Persona
from kimitui.textsafe import defuse
from kimitui.ui.widgets.transcript import Transcript

RENDERED_AT_ONCE = 10
"""Messages at the end of a saved conversation whose replies are rendered as it opens."""

NOT_SENT = "This message was not sent (its request failed)."
NOT_SENT_RETRY = "This message was not sent (its request failed). Press ctrl+r to send it again."


def new_conversation(settings: Settings, persona: Persona) -> Conversation:
    """An empty conversation with ``persona``'s system prompt, model and temperature."""
    return Conversation(
        system_prompt=persona.system,
        model=settings.model_for(persona),
        persona=persona.name,
        temperature=settings.temperature_for(persona),
    )


def persona_for(settings: Settings, conversation: Conversation) -> Persona:
    """The persona ``conversation`` was held with.

    A persona since removed from the config is rebuilt from the conversation
    itself, so "new chat" keeps the character the user was talking to.
    """
    persona = settings.personas.get(conversation.persona)
    if persona is not None:
        return persona
    return Persona(
        conversation.persona,
        conversation.system_prompt,
        model=conversation.model,
        temperature=conversation.temperature,
    )


def last_reply_model(conversation: Conversation) -> str:
    """The model that wrote the conversation's last reply, or ``""`` if there is none."""
    models = [m.model for m in conversation.messages if m.role == "assistant" and m.model]
    return models[-1] if models else ""


async def show_saved(transcript: Transcript, conversation: Conversation) -> None:
    """Add every message of ``conversation`` to ``transcript``, oldest first."""
    last_failed = conversation.last_failed_user_message()
    # The last messages fill the screen, so they are rendered at once; older
    # replies are rendered only if they are scrolled to, so that a long
    # history opens as fast as a short one.
    lazy_before = len(conversation.messages) - RENDERED_AT_ONCE
    for index, message in enumerate(conversation.messages):
        if message.role == "user":
            await transcript.add_user(message.content)
            if message.state is MessageState.FAILED:
                retry = message is last_failed
                await transcript.add_notice(NOT_SENT_RETRY if retry else NOT_SENT, kind="warning")
        elif message.role == "assistant":
            state = message.state
            if state is MessageState.STREAMING:
                # Only a crash leaves one behind, and the store settles those on load.
                state = MessageState.INCOMPLETE
            await _add_reply(
                transcript, message.content, message.reasoning, state, lazy=index < lazy_before
            )
    transcript.scroll_end(animate=False)
    transcript.anchor()


async def _add_reply(
    transcript: Transcript, content: str, reasoning: str, state: MessageState, *, lazy: bool
) -> None:
    # Imported here, not at the top: the chat screen imports this module at
    # start-up, and these widgets bring in Markdown, which a new chat's first
    # frame does not need.
    from kimitui.ui.widgets.message import AssistantMessage
    from kimitui.ui.widgets.thinking import ThinkingBlock

    reply = AssistantMessage(content, lazy=lazy)
    await transcript.add(reply)
    if reasoning:
        thinking = ThinkingBlock()
        reply.thinking = thinking
        await reply.mount(thinking, before=reply.frozen)
        thinking.text = defuse(reasoning)
        await thinking.body.update(thinking.text)
        await thinking.finish(collapse=bool(content))
    if state is not MessageState.COMPLETE:
        # The reply sets its own marks (class and label) for how it ended.
        await reply.finish(state)

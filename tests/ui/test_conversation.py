"""Multi-turn history, personas and fresh conversations, as the server receives them."""

from __future__ import annotations

from textual.command import CommandPalette

from kimitui.personas import BUILTIN_PERSONAS, Persona, load_personas
from kimitui.ui.widgets.message import UserMessage
from tests.fakeserver import FakeMoonshot, Reply
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, replies, screen_text, wait_until


def roles_and_contents(messages: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(message["role"], message["content"]) for message in messages]


async def test_second_request_carries_the_whole_history_in_order(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    server.enqueue(Reply(text="Paris."), Reply(text="About 2.1 million."))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"Capital of France?", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await pilot.press(*"Population?", "enter")
        await wait_until(
            pilot, lambda: len(replies(pilot)) == 2 and not chat_screen(pilot).streaming
        )

        assert roles_and_contents(server.chat_requests[1].json["messages"]) == [
            ("system", BUILTIN_PERSONAS["kimi"].system),
            ("user", "Capital of France?"),
            ("assistant", "Paris."),
            ("user", "Population?"),
        ]
        assert "About 2.1 million." in screen_text(pilot)


async def test_a_persona_sets_the_system_prompt_and_is_shown(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    app = make_app(persona="sarcastic")
    async with app.run_test(size=(100, 30)) as pilot:
        assert "persona sarcastic" in screen_text(pilot)
        await pilot.press(*"hi", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        body = server.chat_requests[0].json
        assert body["messages"][0] == {
            "role": "system",
            "content": BUILTIN_PERSONAS["sarcastic"].system,
        }
        assert body["temperature"] == BUILTIN_PERSONAS["sarcastic"].temperature


async def test_choosing_a_persona_in_the_palette_starts_a_fresh_conversation(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    personas = load_personas(
        {"pirate": {"system": "Talk like a pirate.", "description": "Arr", "greeting": "Ahoy!"}}
    )
    app = make_app(personas=personas)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hello", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        assert chat_screen(pilot).transcript.query(UserMessage)

        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"persona: pirate")
        await wait_until(pilot, lambda: "Arr" in screen_text(pilot))
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        await wait_until(pilot, lambda: chat_screen(pilot).persona.name == "pirate")
        await pilot.pause()

        screen = chat_screen(pilot)
        assert not screen.transcript.query(UserMessage)
        assert "hello" not in screen_text(pilot)
        assert "Ahoy!" in screen_text(pilot)
        assert "persona pirate" in screen_text(pilot)
        assert screen.prompt.has_focus

        await pilot.press(*"where is the treasure", "enter")
        await wait_until(pilot, lambda: len(server.chat_requests) == 2)
        assert roles_and_contents(server.chat_requests[1].json["messages"]) == [
            ("system", "Talk like a pirate."),
            ("user", "where is the treasure"),
        ]


async def test_the_palette_lists_every_persona_with_its_description(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    personas = load_personas({"odd": {"system": "x", "description": "Uses [bold]tags[/] [/]"}})
    app = make_app(personas=personas)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"persona")
        await wait_until(pilot, lambda: "Persona: odd" in screen_text(pilot))
        shown = screen_text(pilot)
        for persona in personas.values():
            assert f"Persona: {persona.name}" in shown
        assert BUILTIN_PERSONAS["coder"].description in shown
        # Descriptions come from the config file: shown literally, not as markup.
        assert "Uses [bold]tags[/] [/]" in shown


async def test_new_chat_clears_the_transcript_and_the_history(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    custom = Persona("kimi", "Be brief.", greeting="Hi! Ask me anything.")
    app = make_app(personas={"kimi": custom})
    async with app.run_test(size=(100, 30)) as pilot:
        assert "Hi! Ask me anything." in screen_text(pilot)
        await pilot.press(*"first", "enter")
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "first" not in screen_text(pilot)
        assert "Hi! Ask me anything." in screen_text(pilot)
        await pilot.press(*"second", "enter")
        await wait_until(pilot, lambda: len(server.chat_requests) == 2)
        # The greeting is shown, never sent.
        assert roles_and_contents(server.chat_requests[1].json["messages"]) == [
            ("system", "Be brief."),
            ("user", "second"),
        ]

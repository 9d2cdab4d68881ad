"""Unknown models: the error names the available ones, and the picker switches models."""

from __future__ import annotations

from textual.command import CommandPalette

from kimitui.ui.screens.model_picker import ModelPicker
from tests.fakeserver import FakeMoonshot
from tests.ui.conftest import MakeApp
from tests.ui.helpers import chat_screen, screen_text, wait_until


async def test_unknown_model_lists_models_and_the_picker_fixes_it(
    server: FakeMoonshot, make_app: MakeApp
) -> None:
    app = make_app(model="moonshot-v9-huge", model_from_cli=True)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press(*"hello", "enter")
        await wait_until(pilot, lambda: "is not available" in screen_text(pilot))
        shown = screen_text(pilot)
        assert "moonshot-v9-huge" in shown and "moonshot-v1-32k" in shown
        assert "Model: switch model" in shown

        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"switch model")
        await wait_until(pilot, lambda: "Model: switch model" in screen_text(pilot))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
        await wait_until(pilot, lambda: "kimi-k2-turbo-preview" in screen_text(pilot))
        assert "128k context" in screen_text(pilot)
        await pilot.press(*"32k", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ModelPicker))
        assert chat_screen(pilot).conversation.model == "moonshot-v1-32k"
        assert "moonshot-v1-32k" in screen_text(pilot).splitlines()[0]

        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(server.chat_requests) == 2)
        await wait_until(pilot, lambda: not chat_screen(pilot).streaming)
        retried = server.chat_requests[1].json
        assert retried is not None
        assert retried["model"] == "moonshot-v1-32k"
        assert retried["messages"][-1] == {"role": "user", "content": "hello"}


async def test_a_typed_model_name_is_taken_when_nothing_matches(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        chat_screen(pilot).action_pick_model()
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
        await wait_until(pilot, lambda: "models; current" in screen_text(pilot))
        await pilot.press(*"my-local-model", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ModelPicker))
        assert chat_screen(pilot).conversation.model == "my-local-model"


async def test_escape_keeps_the_model(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        before = chat_screen(pilot).conversation.model
        chat_screen(pilot).action_pick_model()
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ModelPicker))
        assert chat_screen(pilot).conversation.model == before

"""The heap is settled before any widget exists; after the first frame, the warm-up loads more.

Run in a fresh interpreter: the collector's settings and the loaded modules
are per process, and this test process has run other apps already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kimitui.ui.app import WARM_LANGUAGES
from kimitui.ui.heap import GEN0_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import asyncio, gc, json, sys
    from kimitui.chat.conversation import ChatMessage, Conversation
    from kimitui.config import Settings
    from kimitui.ui.app import KimiApp
    from tests.scripted_provider import ScriptedProvider

    def lexers():
        from pygments.lexer import RegexLexer
        from pygments.lexers import find_lexer_class_by_name
        from pygments.util import ClassNotFound

        def find(name):
            try:
                return find_lexer_class_by_name(name)
            except ClassNotFound:
                return type(None)

        # A regex lexer compiles its patterns when first used, into its own _tokens
        # (JSON's and plain text's lexers have no patterns to compile, and
        # "plaintext" is a name Pygments does not know: they are left out).
        classes = {name: find(name) for name in sys.argv[1:]}
        return {
            name: "_tokens" in cls.__dict__
            for name, cls in classes.items()
            if issubclass(cls, RegexLexer)
        }

    async def main():
        before = [gc.get_threshold()[0], gc.get_freeze_count(), lexers()]
        resumed = Conversation(
            system_prompt="",
            model="kimi-test",
            messages=[ChatMessage("user", "hi"), ChatMessage("assistant", "**Hello**")],
        )
        app = KimiApp(
            Settings(api_key="sk-probe"), lambda settings: ScriptedProvider([]), resume=resumed
        )
        async with app.run_test() as pilot:
            for _ in range(1000):  # the warm-up, up to 10 s
                await pilot.pause(0.01)
                if all(lexers().values()):
                    break
            after = [gc.get_threshold()[0], gc.get_freeze_count(), lexers()]
            # Frozen objects are never collected: the first screen's widgets must
            # not be (gc.get_objects lists every tracked object but the frozen).
            reply = app.screen.transcript.children[-1]
            after.append(any(tracked is reply for tracked in gc.get_objects()))
        print(json.dumps([before, after]))

    asyncio.run(main())
    """
)


def run_probe(code: str, *args: str) -> str:
    """What ``code`` prints, run in a fresh interpreter from the repository's root."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout


@pytest.fixture(scope="module")
def probe() -> Any:
    return json.loads(run_probe(PROBE, *WARM_LANGUAGES))


def test_start_up_objects_are_frozen_and_the_collector_runs_less_often(probe: Any) -> None:
    (threshold_before, frozen_before, _), (threshold_after, frozen_after, _, _) = probe
    assert threshold_before < GEN0_THRESHOLD
    assert frozen_before == 0
    assert threshold_after == GEN0_THRESHOLD
    # The modules, classes and SDK start-up built: tens of thousands of objects.
    assert frozen_after > 10_000


def test_common_languages_are_highlighted_before_the_first_reply(probe: Any) -> None:
    (_, _, lexers_before), (_, _, lexers_after, _) = probe
    assert len(lexers_before) >= len(WARM_LANGUAGES) - 3  # json, text, plaintext
    assert not any(lexers_before.values())
    assert lexers_after == dict.fromkeys(lexers_before, True)


def test_the_first_screens_widgets_are_not_frozen(probe: Any) -> None:
    (*_, reply_still_collectable) = probe[1]
    assert reply_still_collectable


EMPTY_CHAT_PROBE = textwrap.dedent(
    """
    import asyncio, sys
    from kimitui.config import Settings
    from kimitui.ui.app import KimiApp
    from tests.scripted_provider import ScriptedProvider

    KimiApp._start_warm_up = lambda self: None

    async def main():
        app = KimiApp(Settings(api_key="sk-probe"), lambda settings: ScriptedProvider([]))
        async with app.run_test() as pilot:
            for _ in range(20):  # frames, idle callbacks and timers of an idle chat
                await pilot.pause(0.01)
            print(app.screen.prompt.has_focus, "markdown_it" in sys.modules)

    asyncio.run(main())
    """
)


def test_an_empty_chat_does_not_load_markdown_before_the_warm_up() -> None:
    # Markdown's parser and widgets take 100-250 ms to import: on the event
    # loop, that is a first frame that much later.
    assert run_probe(EMPTY_CHAT_PROBE).split() == ["True", "False"]


STREAMING_PROBE = textwrap.dedent(
    """
    import asyncio, json, sys, threading
    import kimitui.ui.app
    from kimitui.chat.events import Finished, TextDelta
    from kimitui.config import Settings
    from kimitui.ui.app import KimiApp
    from tests.scripted_provider import ScriptedProvider

    def compiled():
        from pygments.lexers import find_lexer_class_by_name
        return "_tokens" in find_lexer_class_by_name("python").__dict__

    calls = []
    warm = KimiApp._warm_up_highlighting
    def counted(self, languages):
        calls.append(len(languages))
        warm(self, languages)
    KimiApp._warm_up_highlighting = counted
    kimitui.ui.app.WARM_UP_WAIT = 0.05

    # The warm-up thread waits for the reply to start streaming.
    replying = threading.Event()
    thread = KimiApp._warm_up
    def held(self, loop):
        replying.wait(10)
        thread(self, loop)
    KimiApp._warm_up = held

    async def main():
        gate = asyncio.Event()
        reply = [TextDelta("Hel"), TextDelta("lo"), Finished("stop", "kimi-test")]
        provider = ScriptedProvider([reply], gate=gate)  # held after "Hel"
        app = KimiApp(Settings(api_key="sk-probe"), lambda settings: provider)
        async with app.run_test() as pilot:
            await pilot.press("h", "i", "enter")
            for _ in range(1000):  # up to 10 s
                await pilot.pause(0.01)
                if app.screen.streaming:
                    break
            replying.set()
            for _ in range(1000):
                await pilot.pause(0.01)
                if len(calls) >= 2:
                    break
            during = [app.screen.streaming, len(calls) >= 2, compiled()]
            gate.set()
            for _ in range(1000):
                await pilot.pause(0.01)
                if compiled():
                    break
            after = [app.screen.streaming, compiled()]
        print(json.dumps([during, after]))

    asyncio.run(main())
    """
)


def test_highlighting_is_warmed_up_only_once_no_reply_streams() -> None:
    during, after = json.loads(run_probe(STREAMING_PROBE))
    # The warm-up came twice while the reply streamed, and loaded nothing.
    assert during == [True, True, False]
    assert after == [False, True]

"""Start-up's objects are frozen out of the collector, once the app has warmed up."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import asyncio, gc
    from kimitui.config import Settings
    from kimitui.ui.app import KimiApp
    from tests.scripted_provider import ScriptedProvider

    async def main():
        before = (gc.get_threshold()[0], gc.get_freeze_count())
        app = KimiApp(Settings(api_key="sk-probe"), lambda settings: ScriptedProvider([]))
        async with app.run_test() as pilot:
            for _ in range(1000):  # the warm-up thread, up to 10 s
                await pilot.pause(0.01)
                if gc.get_freeze_count():
                    break
            after = (gc.get_threshold()[0], gc.get_freeze_count())
        print(*before, *after)

    asyncio.run(main())
    """
)


def test_the_warm_up_freezes_start_up_objects_and_collects_less_often() -> None:
    from kimitui.ui.heap import GEN0_THRESHOLD

    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=ROOT
    )
    threshold_before, frozen_before, threshold_after, frozen_after = map(int, result.stdout.split())
    assert threshold_before < GEN0_THRESHOLD
    assert frozen_before == 0
    assert threshold_after == GEN0_THRESHOLD
    # The modules, classes and SDK start-up built: tens of thousands of objects.
    assert frozen_after > 10_000

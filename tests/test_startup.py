"""The collector is off while kimitui loads, and on again before any work starts.

Each case runs the real entry point (``kimitui.__main__``) in a fresh
interpreter, with the command's work replaced by a probe that reports
whether the cyclic collector is on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_entry_point(tmp_path: Path, setup: str, *args: str) -> str:
    """What the entry point prints after ``setup`` replaced the command's work."""
    code = f"{textwrap.dedent(setup)}\nfrom kimitui.__main__ import main\nmain()\n"
    env = {**os.environ, "KIMITUI_HOME": str(tmp_path), "MOONSHOT_API_KEY": "sk-probe"}
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return result.stdout.strip()


def test_the_cli_loads_with_the_collector_off(tmp_path: Path) -> None:
    setup = """
    import gc
    import kimitui.cli
    kimitui.cli.main = lambda: print(gc.isenabled()) or 0
    """
    assert run_entry_point(tmp_path, setup) == "False"


@pytest.mark.parametrize(
    ("module", "function", "args"),
    [
        ("kimitui.printmode", "run_print_mode", ("-p", "hello")),
        ("kimitui.store.commands", "run_command", ("list",)),
    ],
)
def test_other_commands_run_with_the_collector_on(
    tmp_path: Path, module: str, function: str, args: tuple[str, ...]
) -> None:
    setup = f"""
    import gc
    import {module}
    {module}.{function} = lambda *args, **kwargs: print(gc.isenabled()) or 0
    """
    assert run_entry_point(tmp_path, setup, *args) == "True"


def test_the_tui_turns_the_collector_on_before_its_first_screen(tmp_path: Path) -> None:
    setup = """
    import asyncio, gc
    from kimitui.ui.app import KimiApp

    def run(app):
        async def first_frame():
            async with app.run_test() as pilot:
                await pilot.pause()
                print(gc.isenabled(), gc.get_freeze_count() > 10_000)
        asyncio.run(first_frame())

    KimiApp._start_warm_up = lambda app: None
    KimiApp.run = run
    """
    assert run_entry_point(tmp_path, setup).split() == ["True", "True"]


def test_an_early_exit_leaves_the_collector_on_in_the_calling_process(tmp_path: Path) -> None:
    # --list-personas returns before any resume point of the CLI.
    setup = """
    import atexit, gc, sys
    sys.argv = ["kimitui", "--list-personas"]
    atexit.register(lambda: print("collector on:", gc.isenabled()))
    """
    assert run_entry_point(tmp_path, setup).splitlines()[-1] == "collector on: True"

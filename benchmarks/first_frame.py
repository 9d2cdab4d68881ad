"""Run a client and exit the moment it queues the frame that shows its ready text.

    python benchmarks/first_frame.py READY_TEXT -m kimitui
    python benchmarks/first_frame.py READY_TEXT path/to/app.py

For counting the instructions of a start-up under valgrind (see
``e2e.count_startup_instructions``). The exit happens in the main thread,
when Textual hands the frame to its writer thread: the writer thread would
write it whenever it next got the GIL, and the main thread would go on
working meanwhile, a count that changes with thread scheduling. Textual's
writer module is patched as it is imported, so nothing of the client's is
loaded ahead of it (this wrapper's own few imports count, the same for every
client).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import runpy
import sys
from collections.abc import Sequence
from types import ModuleType

WRITER = "textual.drivers._writer_thread"


CONTROL_SEQUENCE = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")
"""A CSI sequence (a style, a cursor move); the caret's style splits a placeholder."""


def exit_on_frame(writer: ModuleType, ready_text: str) -> None:
    """Patch the writer thread's ``write`` (called by the main thread) to exit on the frame."""
    write = writer.WriterThread.write

    def write_or_exit(self: object, text: str) -> None:
        if ready_text in CONTROL_SEQUENCE.sub("", text):
            os._exit(0)
        write(self, text)

    writer.WriterThread.write = write_or_exit


class _PatchWriter(importlib.abc.MetaPathFinder):
    """Finds Textual's writer module as usual, and patches it once it has run."""

    def __init__(self, ready_text: str) -> None:
        self.ready_text = ready_text

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != WRITER:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        run_module = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            exit_on_frame(module, self.ready_text)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def main(argv: Sequence[str]) -> None:
    """``READY_TEXT -m MODULE`` or ``READY_TEXT SCRIPT``."""
    ready_text, *command = argv
    sys.meta_path.insert(0, _PatchWriter(ready_text))
    if command[0] == "-m":
        sys.argv = [command[1]]
        runpy.run_module(command[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = [command[0]]
        runpy.run_path(command[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The ``kimitui`` command and ``python -m kimitui``: the CLI, loaded with the collector paused."""

from __future__ import annotations

from kimitui.startup import pause_collection, resume_collection


def main() -> int:
    """Run the CLI; returns its exit code."""
    # Before the CLI's imports: they are part of the start-up (see kimitui.startup).
    pause_collection()
    try:
        from kimitui.cli import main as run

        return run()
    finally:
        # For the exits that never reach a resume (--help, a config error...),
        # should the caller's process go on.
        resume_collection()


if __name__ == "__main__":
    raise SystemExit(main())

"""Make model text safe to write to a terminal.

Model output may contain raw control sequences (CSI ``ESC[2J``, OSC 52
clipboard writes, OSC 8 links, BEL, backspace, carriage return). Written to a
terminal they would act instead of showing; here they become visible text.
"""

from __future__ import annotations

import re

# Every C0 control except tab and newline, DEL, and the C1 range.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture", e.g. ␛ for ESC
    if code == 0x7F:
        return "\u2421"
    return f"\\x{code:02x}"


def defuse(text: str) -> str:
    """Replace terminal control characters with visible stand-ins."""
    return _CONTROLS.sub(_visible, text)

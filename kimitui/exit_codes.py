"""The exit codes of the ``kimitui`` command, shared by the CLI and print mode.

0   success
1   the request failed and retrying will not help (bad key, quota, refused)
2   usage or configuration error (unknown persona, bad flag, no API key)
75  the request failed but is worth retrying later (rate limit, overload,
    network, a stalled or cut-off stream); ``EX_TEMPFAIL`` from sysexits.h
130 interrupted with Ctrl-C
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_RETRYABLE = 75
EXIT_INTERRUPTED = 130

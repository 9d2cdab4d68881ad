"""The floor: a raw ``openai`` SDK loop that prints each delta as it arrives.

No Markdown, no layout: the least work a client can do to put a streamed
reply on a terminal. Every other client's numbers are ratios of this one.
Reads ``MOONSHOT_BASE_URL`` and ``MOONSHOT_API_KEY``; the prompt is argv[1].
"""

from __future__ import annotations

import os
import sys

from openai import OpenAI


def main() -> int:
    """Stream one reply to stdout."""
    client = OpenAI(
        api_key=os.environ["MOONSHOT_API_KEY"],
        base_url=os.environ["MOONSHOT_BASE_URL"],
        max_retries=0,
    )
    stream = client.chat.completions.create(
        model="moonshot-v1-auto",
        messages=[{"role": "user", "content": sys.argv[1] if len(sys.argv) > 1 else "hi"}],
        stream=True,
    )
    out = sys.stdout
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            out.write(chunk.choices[0].delta.content)
            out.flush()
    out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Rendering of a scripted `Reply` as a Moonshot chat completion: JSON body or SSE events.

Stream events are rendered up front from string templates (one `encode_basestring` call per
delta) so a 200k-character reply in 4-character chunks (~50k events) renders in well under a
second; the handler then writes them in 64 KiB batches when there is no delay.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from .reply import Reply
from .validate import count_tokens
from .wire import StreamResponse, dumps

DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class Completion:
    """Everything needed to render one answer (text already truncated to ``max_tokens``)."""

    id: str
    created: int
    model: str
    fingerprint: str
    reasoning: str
    text: str
    finish_reason: str
    n: int
    prompt_tokens: int
    cached_tokens: int | None

    def usage(self, choices: int = 1) -> dict[str, int]:
        completion = count_tokens(len(self.reasoning) + len(self.text)) * choices
        out = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }
        if self.cached_tokens is not None:
            out["cached_tokens"] = self.cached_tokens
        return out


def make_completion(
    reply: Reply,
    *,
    model: str,
    prompt_tokens: int,
    max_tokens: int | None,
    n: int,
    fingerprint: str,
) -> Completion:
    """Apply the ``max_tokens`` budget (reasoning first) and fix ids/timestamps."""
    reasoning, text, finish = reply.reasoning, reply.text, reply.finish_reason
    if max_tokens is not None:
        budget = max_tokens * 4
        if len(reasoning) + len(text) > budget:
            reasoning = reasoning[:budget]
            text = text[: budget - len(reasoning)]
            finish = "length"
    return Completion(
        id=f"chatcmpl-{uuid.uuid4().hex[:24]}",
        created=int(time.time()),
        model=model,
        fingerprint=fingerprint,
        reasoning=reasoning,
        text=text,
        finish_reason=finish,
        n=n,
        prompt_tokens=prompt_tokens,
        cached_tokens=reply.cached_tokens,
    )


def completion_body(c: Completion) -> bytes:
    """Non-streamed ``chat.completion`` object (moonshot-api.md §3.6)."""
    message: dict[str, Any] = {"role": "assistant", "content": c.text}
    if c.reasoning:
        message["reasoning_content"] = c.reasoning
    choices = [
        {"index": i, "message": message, "finish_reason": c.finish_reason} for i in range(c.n)
    ]
    return dumps(
        {
            "id": c.id,
            "object": "chat.completion",
            "created": c.created,
            "model": c.model,
            "choices": choices,
            "usage": c.usage(c.n),
        }
    )


def _split(text: str, offset: int, size: int, cut: int | None) -> list[tuple[int, str]]:
    """Split ``text`` (starting at global char ``offset``) into ``size`` pieces, never across
    ``cut``; returns ``(global start, piece)`` pairs."""
    out: list[tuple[int, str]] = []
    i, end = 0, len(text)
    while i < end:
        j = min(i + size, end)
        if cut is not None and offset + i < cut < offset + j:
            j = cut - offset
        out.append((offset + i, text[i:j]))
        i = j
    return out


def stream_response(
    c: Completion, *, chunk_size: int, include_usage: bool, cut_at: int | None
) -> StreamResponse:
    """Render the SSE events of ``c`` (moonshot-api.md §4.2/§4.3); usage sits in
    ``choices[i]`` of each final chunk, plus a top-level usage chunk if ``include_usage``."""
    pre = (
        f'data: {{"id":"{c.id}","object":"chat.completion.chunk","created":{c.created},'
        f'"model":{encode_basestring(c.model)},"choices":['
    )
    post = (
        "]"
        + (',"usage":null' if include_usage else "")
        + f',"system_fingerprint":"{c.fingerprint}"}}\n\n'
    )
    head = "".join(
        f'{pre}{{"index":{i},"delta":{{"role":"assistant","content":""}},"finish_reason":null}}'
        f"{post}"
        for i in range(c.n)
    ).encode()
    pieces: list[tuple[int, bytes]] = []
    offset = 0
    for index in range(c.n):
        for field, value in (("reasoning_content", c.reasoning), ("content", c.text)):
            lead = f'{pre}{{"index":{index},"delta":{{"{field}":'
            trail = f'}},"finish_reason":null}}{post}'
            for _, piece in _split(value, offset, chunk_size, cut_at):
                pieces.append((len(piece), (lead + encode_basestring(piece) + trail).encode()))
            offset += len(value)
    usage = dumps(c.usage()).decode()
    finish = encode_basestring(c.finish_reason)
    tail = "".join(
        f'{pre}{{"index":{i},"delta":{{}},"finish_reason":{finish},"usage":{usage}}}{post}'
        for i in range(c.n)
    )
    if include_usage:
        total = dumps(c.usage(c.n)).decode()
        tail += (
            f'data: {{"id":"{c.id}","object":"chat.completion.chunk","created":{c.created},'
            f'"model":{encode_basestring(c.model)},"choices":[],"usage":{total},'
            f'"system_fingerprint":"{c.fingerprint}"}}\n\n'
        )
    return StreamResponse(head=head, pieces=pieces, tail=tail.encode() + DONE)

"""Tests of the fake Moonshot server, driven by the real `openai` SDK over real HTTP."""

from __future__ import annotations

import http.client
import json
import math
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.fakeserver import FakeMoonshot, Fault, Reply, estimate_prompt_tokens

MODEL = "kimi-k2-turbo-preview"
HI: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
ACCOUNT_RE = r"org-[0-9a-f]+<ak-[0-9a-f]+>"


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeMoonshot]:
    with FakeMoonshot() as srv:
        yield srv


@pytest.fixture(scope="module")
def shared_client(shared_server: FakeMoonshot) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        api_key=shared_server.api_key, base_url=shared_server.base_url, max_retries=0, timeout=5.0
    ) as c:
        yield c


@pytest.fixture
def server(shared_server: FakeMoonshot) -> FakeMoonshot:
    shared_server.reset()
    return shared_server


@pytest.fixture
def client(server: FakeMoonshot, shared_client: openai.OpenAI) -> openai.OpenAI:
    return shared_client


def raw(
    server: FakeMoonshot,
    method: str,
    path: str,
    body: Any = None,
    key: str | None = "",
) -> tuple[int, dict[str, str], bytes]:
    """A plain http.client request (``key=""`` means the server's key, None means no key)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    headers = {"User-Agent": "raw-test/1.0"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key or server.api_key}"
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def sse_events(payload: bytes) -> list[str]:
    assert payload.endswith(b"\n\n")
    events = payload.decode().split("\n\n")[:-1]
    assert all(e.startswith("data: ") for e in events), events
    return [e.removeprefix("data: ") for e in events]


def stream_text(client: openai.OpenAI, model: str = MODEL, **kwargs: Any) -> list[Any]:
    return list(client.chat.completions.create(model=model, messages=HI, stream=True, **kwargs))


def assert_moonshot_headers(headers: Any) -> None:
    uuid.UUID(headers["msh-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-msh-trace-id"])
    assert headers["msh-gid"] == "enterprise-tier-0"
    assert headers["msh-uid"]
    assert headers["server-timing"].startswith("inner; dur=")
    for absent in ("retry-after", "retry-after-ms", "x-request-id"):
        assert absent not in headers
    assert not [h for h in headers if h.lower().startswith("x-ratelimit")]


# ---- successful completions ------------------------------------------------------------------


def test_non_stream_completion(server: FakeMoonshot, client: openai.OpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello!"},
    ]
    resp = client.chat.completions.with_raw_response.create(model=MODEL, messages=messages)
    assert_moonshot_headers(resp.headers)
    assert resp.headers["content-type"] == "application/json; charset=utf-8"
    completion = resp.parse()
    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    assert completion.choices[0].message.content == "Hello from the fake Kimi."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == math.ceil(len("Be brief.Hello!") / 4)
    assert completion.usage.completion_tokens == math.ceil(len("Hello from the fake Kimi.") / 4)
    assert completion.usage.total_tokens == 4 + 7


def test_stream_chunk_sequence(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Reply(text="Hello, world!", chunk_size=4))
    chunks = stream_text(client)
    first, *deltas, last = chunks
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    assert [c.choices[0].delta.content for c in deltas] == ["Hell", "o, w", "orld", "!"]
    assert all(c.choices[0].delta.role is None for c in deltas)
    assert all(c.choices[0].finish_reason is None for c in [first, *deltas])
    assert last.choices[0].finish_reason == "stop"
    assert last.choices[0].delta.content is None
    usage = getattr(last.choices[0], "usage", None)
    assert usage == {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5}
    assert all(c.usage is None for c in chunks)
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert all(c.object == "chat.completion.chunk" and c.model == MODEL for c in chunks)
    assert all(c.system_fingerprint == server.fingerprint for c in chunks)


def test_stream_raw_wire_format(server: FakeMoonshot) -> None:
    server.enqueue(Reply(text="你好，世界", chunk_size=2))
    body = {"model": MODEL, "messages": HI, "stream": True}
    status, headers, payload = raw(server, "POST", "/v1/chat/completions", body)
    assert status == 200
    assert headers["content-type"] == "text/event-stream"
    assert headers["transfer-encoding"] == "chunked"
    assert_moonshot_headers(headers)
    events = sse_events(payload)
    assert events[-1] == "[DONE]"
    assert '"content":"你好"' in events[1]  # non-ASCII is sent raw, compact separators
    chunks = [json.loads(e) for e in events[:-1]]
    assert list(chunks[0]) == ["id", "object", "created", "model", "choices", "system_fingerprint"]
    assert chunks[0]["choices"] == [
        {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
    ]
    final = chunks[-1]["choices"][0]
    assert final["delta"] == {} and final["finish_reason"] == "stop"
    assert final["usage"] == {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    assert "usage" not in chunks[-1]


def test_stream_include_usage(server: FakeMoonshot, client: openai.OpenAI) -> None:
    chunks = stream_text(client, stream_options={"include_usage": True})
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7
    assert getattr(chunks[-2].choices[0], "usage", None) == chunks[-1].usage.model_dump(
        exclude_none=True
    )
    body = {"model": MODEL, "messages": HI, "stream": True, "stream_options": {"include_usage": 1}}
    _, _, payload = raw(server, "POST", "/v1/chat/completions", body)
    assert '"choices":[]' not in payload.decode()  # only `true` switches it on
    body["stream_options"] = {"include_usage": True}
    _, _, payload = raw(server, "POST", "/v1/chat/completions", body)
    events = [json.loads(e) for e in sse_events(payload)[:-1]]
    assert all(e["usage"] is None for e in events[:-1])


def test_reasoning_streams_before_content(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Reply(text="Answer.", reasoning="Let me think.", chunk_size=5))
    chunks = stream_text(client, model="kimi-k2-thinking")
    kinds = []
    for c in chunks[1:-1]:
        reasoning = getattr(c.choices[0].delta, "reasoning_content", None)
        kinds.append("r" if reasoning else "c")
        assert not (reasoning and c.choices[0].delta.content)
    assert kinds == ["r", "r", "r", "c", "c"]
    text = "".join(getattr(c.choices[0].delta, "reasoning_content", "") or "" for c in chunks)
    assert text == "Let me think."
    server.enqueue(Reply(text="Answer.", reasoning="Hmm."))
    msg = client.chat.completions.create(model="kimi-k2-thinking", messages=HI).choices[0].message
    assert (msg.content, getattr(msg, "reasoning_content", None)) == ("Answer.", "Hmm.")


def test_auto_model_and_model_override(server: FakeMoonshot, client: openai.OpenAI) -> None:
    small = client.chat.completions.create(model="moonshot-v1-auto", messages=HI)
    assert small.model == "moonshot-v1-8k"
    big: list[ChatCompletionMessageParam] = [{"role": "user", "content": "x" * 40_000}]
    assert client.chat.completions.create(model="moonshot-v1-auto", messages=big).model == (
        "moonshot-v1-32k"
    )
    server.enqueue(Reply(text="ok", model="kimi-k2-0905-preview"))
    chunks = stream_text(client)
    assert {c.model for c in chunks} == {"kimi-k2-0905-preview"}


def test_max_tokens_truncates_with_length(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Reply(text="y" * 100))
    resp = client.chat.completions.create(model=MODEL, messages=HI, max_tokens=5)
    assert resp.choices[0].message.content == "y" * 20
    assert resp.choices[0].finish_reason == "length"
    assert resp.usage is not None and resp.usage.completion_tokens == 5


def test_cached_tokens_and_n(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Reply(text="hey", cached_tokens=1))
    resp = client.chat.completions.create(model=MODEL, messages=HI, n=2, temperature=0.5)
    assert [c.index for c in resp.choices] == [0, 1]
    assert getattr(resp.usage, "cached_tokens", None) == 1


# ---- faults ----------------------------------------------------------------------------------

FAULTS: list[tuple[Fault, type[openai.APIStatusError], int, str, str]] = [
    (Fault.auth(), openai.AuthenticationError, 401, "invalid_authentication_error",
     "^Invalid Authentication$"),
    (Fault.rate_limit(after=7), openai.RateLimitError, 429, "rate_limit_reached_error",
     rf"^Your account {ACCOUNT_RE} request reached organization max RPM: 3, "
     r"please try again after 7 seconds$"),
    (Fault.rate_limit_tpd(), openai.RateLimitError, 429, "rate_limit_reached_error",
     rf"^Your account {ACCOUNT_RE} request reached organization TPD rate limit, "
     r"current:\d+, limit:\d+$"),
    (Fault.rate_limit_concurrency(limit=1), openai.RateLimitError, 429,
     "rate_limit_reached_error", r"max concurrency: 1, please try again after 1 seconds$"),
    (Fault.overloaded(), openai.RateLimitError, 429, "engine_overloaded_error",
     "^The engine is currently overloaded, please try again later$"),
    (Fault.quota(), openai.RateLimitError, 429, "exceeded_current_quota_error",
     rf"^Your account {ACCOUNT_RE} is suspended, please check your plan and billing details$"),
    (Fault.quota_tokens(), openai.RateLimitError, 429, "exceeded_current_quota_error",
     r"^You exceeded your current token quota: <org-[0-9a-f]+> 0, please check"),
    (Fault.quota_legacy(), openai.PermissionDeniedError, 403, "exceeded_current_quota_error",
     rf"^Your account {ACCOUNT_RE} is not active, current state: suspended"),
    (Fault.model_not_found("kimi-x"), openai.NotFoundError, 404, "resource_not_found_error",
     "^Not found the model kimi-x or Permission denied$"),
    (Fault.content_filter(), openai.BadRequestError, 400, "content_filter",
     "^The request was rejected because it was considered high risk$"),
    (Fault.context_overflow(), openai.BadRequestError, 400, "invalid_request_error",
     r"^Invalid request: Your request exceeded model token limit: 8192 \(requested: 9000\)$"),
    (Fault.context_overflow(spelling="docs"), openai.BadRequestError, 400,
     "invalid_request_error", "^Your request exceeded model token limit : 8192$"),
    (Fault.server_error(), openai.InternalServerError, 500, "unexpected_output",
     "^invalid state transition$"),
]  # fmt: skip


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("fault", "exc", "status", "etype", "pattern"), FAULTS)
def test_http_faults(
    server: FakeMoonshot,
    client: openai.OpenAI,
    fault: Fault,
    exc: type[openai.APIStatusError],
    status: int,
    etype: str,
    pattern: str,
    stream: bool,
) -> None:
    server.enqueue(fault)
    with pytest.raises(exc) as info:
        client.chat.completions.create(model=MODEL, messages=HI, stream=stream)
    e = info.value
    assert e.status_code == status and e.type == etype and e.code is None
    assert isinstance(e.body, dict) and re.search(pattern, e.body["message"])
    assert e.response.headers["content-type"] == "application/json; charset=utf-8"
    assert_moonshot_headers(e.response.headers)
    assert e.request_id is None
    assert e.response.text == json.dumps(
        {"error": {"message": e.body["message"], "type": etype}},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def test_gateway_timeout_html(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Fault.gateway_timeout())
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model=MODEL, messages=HI)
    assert info.value.status_code == 504 and info.value.type is None
    assert info.value.response.headers["content-type"] == "text/html"
    assert isinstance(info.value.body, str) and "504 Gateway Time-out" in info.value.body


def test_fault_with_extra_headers(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Fault.overloaded().with_headers(**{"Retry-After": "2"}))
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=HI)
    assert info.value.response.headers["retry-after"] == "2"


def test_url_not_found(server: FakeMoonshot) -> None:
    with (
        openai.OpenAI(
            api_key=server.api_key, base_url=server.base_url.removesuffix("/v1"), max_retries=0
        ) as no_v1,
        pytest.raises(openai.NotFoundError) as info,
    ):
        no_v1.chat.completions.create(model=MODEL, messages=HI)
    e = info.value
    assert e.body == "url.not_found" and e.type is None
    assert_moonshot_headers(e.response.headers)
    assert e.response.json() == {
        "code": 5,
        "error": "url.not_found",
        "message": "没找到对象",
        "method": "POST",
        "scode": "0x5",
        "status": False,
        "ua": e.request.headers["user-agent"],
        "url": "/chat/completions",
    }
    status, _, body = raw(server, "GET", "/v1/chat/completions", key=None)  # wrong method
    assert status == 404 and json.loads(body)["method"] == "GET"
    server.enqueue(Fault.url_not_found())
    status, _, body = raw(server, "POST", "/v1/chat/completions", {"model": MODEL})
    assert status == 404 and json.loads(body)["url"] == "/v1/chat/completions"


def test_authentication(server: FakeMoonshot) -> None:
    assert server.api_key.startswith("sk-test-")
    with openai.OpenAI(api_key="sk-wrong", base_url=server.base_url, max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as info:
            bad.chat.completions.create(model=MODEL, messages=HI)
        assert info.value.type == "invalid_authentication_error"
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()
    status, _, body = raw(server, "GET", "/v1/models", key=None)
    assert status == 401 and b"Invalid Authentication" in body


def test_unknown_model_is_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-4o", messages=HI)
    assert info.value.type == "resource_not_found_error"
    assert info.value.body == {
        "message": "Not found the model gpt-4o or Permission denied",
        "type": "resource_not_found_error",
    }


@pytest.mark.parametrize(
    ("model", "messages", "extra", "message"),
    [
        (MODEL, [], {}, "Invalid request: messages must not be empty"),
        (MODEL, [*HI, {"role": "assistant", "content": ""}], {},
         "Invalid request: the message at position 1 with role 'assistant' must not be empty"),
        (MODEL, HI, {"temperature": 1.5},
         "Invalid request: temperature must be in [0, 1], got 1.5"),
        (MODEL, HI, {"n": 6}, "Invalid request: n must be an integer between 1 and 5"),
        ("moonshot-v1-8k", HI, {"n": 2},
         "Invalid request: n must be 1 when temperature is close to 0"),
        ("kimi-k2.5", HI, {"temperature": 0.3},
         "invalid temperature: only 1 is allowed for this model"),
        ("kimi-k2.5", HI, {"temperature": 1.0, "extra_body": {"thinking": {"type": "disabled"}}},
         "invalid temperature: only 0.6 is allowed for this model"),
        ("moonshot-v1-8k", [{"role": "user", "content": "z" * 40_000}], {},
         "Invalid request: Your request exceeded model token limit: 8192 (requested: 10000)"),
    ],
)  # fmt: skip
def test_request_validation(
    client: openai.OpenAI, model: str, messages: Any, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=model, messages=messages, **extra)
    assert info.value.type == "invalid_request_error"
    assert isinstance(info.value.body, dict) and info.value.body["message"] == message


def test_reply_context_limit(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Reply(text="unused", context_limit=2))
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "0123456789ab"}]
    with pytest.raises(openai.BadRequestError, match=r"token limit: 2 \(requested: 3\)"):
        client.chat.completions.create(model=MODEL, messages=messages, stream=True)
    thinking_off = {"thinking": {"type": "disabled"}}
    ok = client.chat.completions.create(
        model="kimi-k2.5", messages=messages, temperature=0.6, extra_body=thinking_off
    )
    assert ok.choices[0].message.content == "Hello from the fake Kimi."


# ---- stream faults ---------------------------------------------------------------------------


def collect(client: openai.OpenAI, **kwargs: Any) -> tuple[str, BaseException | None, bool]:
    """(content received, exception raised, finish_reason seen) of one streamed request."""
    text, finished = "", False
    try:
        for c in client.chat.completions.create(model=MODEL, messages=HI, stream=True, **kwargs):
            text += c.choices[0].delta.content or ""
            finished = finished or c.choices[0].finish_reason is not None
    except Exception as exc:
        return text, exc, finished
    return text, None, finished


@pytest.mark.parametrize("reset", [False, True])
def test_drop_mid_stream(server: FakeMoonshot, client: openai.OpenAI, reset: bool) -> None:
    server.enqueue(Fault.drop(after_chars=6, reset=reset))  # applied to the default reply
    text, exc, finished = collect(client)
    assert text == "Hello "
    assert type(exc) is openai.APIConnectionError and not finished
    assert collect(client) == ("Hello from the fake Kimi.", None, True)  # server still healthy
    server.enqueue(Fault.drop(reset=reset))  # non-streamed: no response at all
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model=MODEL, messages=HI)
    server.enqueue(Fault.drop(after_chars=10_000, reset=reset))  # all content, no final chunk
    text, exc, finished = collect(client)
    assert text == "Hello from the fake Kimi." and not finished
    assert isinstance(exc, openai.APIConnectionError)


def test_client_cancel_is_quiet(
    server: FakeMoonshot, client: openai.OpenAI, capfd: pytest.CaptureFixture[str]
) -> None:
    server.enqueue(Reply(text="z" * 400, chunk_size=1, delay=0.005))
    stream = client.chat.completions.create(model=MODEL, messages=HI, stream=True)
    next(iter(stream))
    stream.close()  # "cancel = close the connection"
    time.sleep(0.1)
    assert collect(client)[0] == "Hello from the fake Kimi."
    assert capfd.readouterr().err == ""


def test_stall_then_close(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Fault.stall(after_chars=4, seconds=0.4))
    start = time.monotonic()
    text, exc, _ = collect(client)
    assert text == "Hell" and isinstance(exc, openai.APIConnectionError)
    assert time.monotonic() - start >= 0.4
    server.enqueue(Fault.stall(after_chars=4, seconds=1.0))
    text, exc, _ = collect(client, timeout=0.2)
    assert text == "Hell" and type(exc) is openai.APITimeoutError


def test_sse_error_event(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Fault.sse_error(after_chars=8))
    text, exc, _ = collect(client)
    assert text == "Hello fr"
    assert type(exc) is openai.APIError  # not an APIStatusError: the HTTP status was 200
    assert exc.type == "engine_overloaded_error"
    assert exc.body == {
        "message": "The engine is currently overloaded, please try again later",
        "type": "engine_overloaded_error",
    }
    server.enqueue(Fault.sse_error(after_chars=4))
    _, _, payload = raw(
        server, "POST", "/v1/chat/completions", {"model": MODEL, "messages": HI, "stream": True}
    )
    assert sse_events(payload)[-1].startswith('{"error":{"message":"The engine')


def test_malformed_chunk(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Fault.malformed_chunk(after_chars=4))
    text, exc, _ = collect(client)
    assert text == "Hell"
    assert isinstance(exc, json.JSONDecodeError)  # the SDK does not wrap it
    server.enqueue(Fault.malformed_chunk(after_chars=4))
    body = {"model": MODEL, "messages": HI, "stream": True}
    events = sse_events(raw(server, "POST", "/v1/chat/completions", body)[2])
    assert "{not json" in events and events[-1] == "[DONE]"


# ---- timing: gate, delay, speed ----------------------------------------------------------------


def test_gate_pauses_stream(server: FakeMoonshot, client: openai.OpenAI) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="0123456789abcdef", chunk_size=4, gate_after=6, gate=gate))
    stream = client.chat.completions.create(model=MODEL, messages=HI, stream=True)
    seen = ""
    for chunk in stream:
        seen += chunk.choices[0].delta.content or ""
        if len(seen) >= 6:
            break
    assert seen == "012345" and not gate.is_set()  # received while the gate is still closed
    timer = threading.Timer(0.3, gate.set)
    start = time.monotonic()
    timer.start()
    rest = "".join(c.choices[0].delta.content or "" for c in stream)
    assert rest == "6789abcdef"
    assert time.monotonic() - start >= 0.25


def test_gate_non_stream(server: FakeMoonshot, client: openai.OpenAI) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="late", gate_after=0, gate=gate))
    threading.Timer(0.2, gate.set).start()
    start = time.monotonic()
    assert client.chat.completions.create(model=MODEL, messages=HI).choices[0].message.content == (
        "late"
    )
    assert time.monotonic() - start >= 0.15


def test_delay_streams_each_chunk_promptly(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Reply(text="aabbccdd", chunk_size=2, delay=0.1))
    start = time.monotonic()
    arrivals = []
    for c in client.chat.completions.create(model=MODEL, messages=HI, stream=True):
        if c.choices[0].delta.content:
            arrivals.append(time.monotonic() - start)
    assert len(arrivals) == 4
    assert arrivals[0] < 0.08  # the first delta is not held back
    assert arrivals[-1] - arrivals[0] >= 0.25


def test_large_stream_is_fast(server: FakeMoonshot) -> None:
    server.enqueue(Reply(text="x" * 200_000))
    start = time.monotonic()
    body = {"model": MODEL, "messages": HI, "stream": True}
    events = sse_events(raw(server, "POST", "/v1/chat/completions", body)[2])
    assert time.monotonic() - start < 3.0
    assert len(events) == 1 + 50_000 + 1 + 1


@pytest.mark.asyncio
async def test_async_client_stream(server: FakeMoonshot) -> None:
    async with openai.AsyncOpenAI(
        api_key=server.api_key, base_url=server.base_url, max_retries=0
    ) as aclient:
        stream = await aclient.chat.completions.create(model=MODEL, messages=HI, stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert text == "Hello from the fake Kimi."


# ---- queue, recording, limits ------------------------------------------------------------------


def test_queue_fifo_and_recording(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.enqueue(Reply(text="one"), Fault.overloaded(), Reply(text="three"))
    assert server.pending == 3
    assert client.chat.completions.create(model=MODEL, messages=HI).choices[0].message.content == (
        "one"
    )
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=MODEL, messages=HI)
    assert "".join(c.choices[0].delta.content or "" for c in stream_text(client)) == "three"
    assert client.chat.completions.create(model=MODEL, messages=HI).choices[0].message.content == (
        server.default_reply.text
    )
    client.models.list()
    assert len(server.requests) == 5 and len(server.chat_requests) == 4
    req = server.chat_requests[2]
    assert (req.method, req.path) == ("POST", "/v1/chat/completions")
    assert req.json["stream"] is True and req.json["messages"] == HI
    assert req.headers["authorization"] == f"Bearer {server.api_key}"
    assert req.headers["content-type"] == "application/json"


def test_rpm_limit(server: FakeMoonshot, client: openai.OpenAI) -> None:
    server.rpm_limit = 3
    server.enqueue(Fault.overloaded())  # faulted requests count too
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=MODEL, messages=HI)
    for _ in range(2):
        client.chat.completions.create(model=MODEL, messages=HI)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=HI, stream=True)
    assert info.value.type == "rate_limit_reached_error"
    assert re.fullmatch(
        rf"Your account {ACCOUNT_RE} request reached organization max RPM: 3, "
        r"please try again after 60 seconds",
        str(info.value.body["message"]),  # type: ignore[index]
    )
    assert server.pending == 0
    client.models.list()  # only chat requests are limited


def test_rpm_window_slides() -> None:
    with (
        FakeMoonshot(rpm_limit=3, rpm_window=1.0) as server,
        openai.OpenAI(api_key=server.api_key, base_url=server.base_url, max_retries=0) as client,
    ):
        start = time.monotonic()
        client.chat.completions.create(model=MODEL, messages=HI)
        time.sleep(0.5)
        for _ in range(2):
            client.chat.completions.create(model=MODEL, messages=HI)
        with pytest.raises(openai.RateLimitError, match="please try again after 1 seconds"):
            client.chat.completions.create(model=MODEL, messages=HI)
        time.sleep(max(0.0, 1.1 - (time.monotonic() - start)))
        client.chat.completions.create(model=MODEL, messages=HI)  # only the first one left
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model=MODEL, messages=HI)
        assert len(server.chat_requests) == 6


def test_concurrency_limit() -> None:
    server_gate = threading.Event()
    with (
        FakeMoonshot(concurrency_limit=1) as server,
        openai.OpenAI(api_key=server.api_key, base_url=server.base_url, max_retries=0) as c,
    ):
        server.enqueue(Reply(text="slow", gate_after=2, gate=server_gate))
        stream = c.chat.completions.create(model=MODEL, messages=HI, stream=True)
        next(iter(stream))
        with pytest.raises(openai.RateLimitError, match="max concurrency: 1"):
            c.chat.completions.create(model=MODEL, messages=HI)
        server_gate.set()
        assert "".join(x.choices[0].delta.content or "" for x in stream) == "slow"
        c.chat.completions.create(model=MODEL, messages=HI)


def test_zero_balance_refuses_chat(server: FakeMoonshot, client: openai.OpenAI) -> None:
    status, headers, body = raw(server, "GET", "/v1/users/me/balance")
    assert status == 200 and headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {
        "code": 0,
        "data": {"available_balance": 49.58894, "voucher_balance": 46.58893,
                 "cash_balance": 3.00001},
        "scode": "0x0",
        "status": True,
    }  # fmt: skip
    server.balance.available_balance = server.balance.cash_balance = 0.0
    server.balance.voucher_balance = 0.0
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=HI)
    assert info.value.type == "exceeded_current_quota_error"
    assert json.loads(raw(server, "GET", "/v1/users/me/balance")[2])["data"]["cash_balance"] == 0


# ---- auxiliary endpoints -----------------------------------------------------------------------


def test_models_era_b(server: FakeMoonshot, client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == [
        "moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k", "moonshot-v1-auto",
        "kimi-latest", "kimi-k2-turbo-preview", "kimi-k2-thinking", "kimi-k2.5",
    ]  # fmt: skip
    payload = json.loads(raw(server, "GET", "/v1/models")[2])
    assert payload["object"] == "list"
    k25 = payload["data"][-1]
    assert k25["context_length"] == 262_144 and k25["supports_reasoning"] is True
    assert getattr(client.models.retrieve("kimi-k2.5"), "context_length", None) == 262_144
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("nope")


def test_models_era_a() -> None:
    with FakeMoonshot(era="A", models=["moonshot-v1-8k", "custom-model"]) as server:
        payload = json.loads(raw(server, "GET", "/v1/models")[2])
    assert "object" not in payload
    assert [m["id"] for m in payload["data"]] == ["moonshot-v1-8k", "custom-model"]
    assert payload["data"][0]["permission"][0]["organization"] == "public"
    assert "context_length" not in payload["data"][0]


def test_estimate_token_count_matches_usage(server: FakeMoonshot, client: openai.OpenAI) -> None:
    messages = [
        {"role": "system", "content": "You are Kimi."},
        {"role": "user", "content": [{"type": "text", "text": "Describe this picture please"}]},
    ]
    body = {"model": MODEL, "messages": messages}
    status, _, payload = raw(server, "POST", "/v1/tokenizers/estimate-token-count", body)
    total = json.loads(payload)["data"]["total_tokens"]
    assert status == 200 and total == estimate_prompt_tokens(messages) == math.ceil(41 / 4)
    usage = client.chat.completions.create(model=MODEL, messages=messages).usage  # type: ignore[arg-type]
    assert usage is not None and usage.prompt_tokens == total
    status, _, payload = raw(server, "POST", "/v1/tokenizers/estimate-token-count",
                             {"model": MODEL, "messages": []})  # fmt: skip
    assert status == 400 and b"messages must not be empty" in payload


def test_stop_does_not_hang_on_stalled_stream() -> None:
    server = FakeMoonshot().start()
    server.enqueue(Fault.stall(after_chars=1, seconds=30))
    with openai.OpenAI(api_key=server.api_key, base_url=server.base_url, max_retries=0) as c:
        stream = c.chat.completions.create(model=MODEL, messages=HI, stream=True)
        next(iter(stream))
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 2.0
        with pytest.raises(openai.APIConnectionError):
            list(stream)


def test_standalone_cli() -> None:
    proc = subprocess.Popen(
        cwd=Path(__file__).resolve().parents[2],
        args=[sys.executable, "-m", "tests.fakeserver", "--port", "0", "--tokens-per-second", "0",
         "--key", "sk-cli-test"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        base_url = line.split()[-1]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert proc.stdout.readline().strip() == "API key: sk-cli-test"
        with openai.OpenAI(api_key="sk-cli-test", base_url=base_url, max_retries=0) as c:
            chunks = list(c.chat.completions.create(model=MODEL, messages=HI, stream=True))
        text = "".join(ch.choices[0].delta.content or "" for ch in chunks)
        assert text.startswith("## ") and "```python" in text and "| Approach |" in text
    finally:
        proc.terminate()
        proc.wait(timeout=5)

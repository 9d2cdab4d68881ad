"""The Moonshot provider over real HTTP: the real ``openai`` SDK against the fake server.

One test per failure the server can produce: each must become the kimitui
error a user can act on, with no blind SDK retry and no account ids or HTML
in the message.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from kimitui.chat.events import Finished, ProviderEvent, ReasoningDelta, TextDelta, Usage
from kimitui.errors import (
    AuthError,
    BadBaseURL,
    ContentFiltered,
    ContextOverflow,
    ModelNotFound,
    Overloaded,
    ProviderError,
    QuotaExceeded,
    RateLimited,
    ServerError,
    StreamIncomplete,
    StreamStalled,
    Unreachable,
)
from kimitui.providers.moonshot import MoonshotProvider
from tests.fakeserver import FakeMoonshot, Fault, Reply

MESSAGES = [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}]


@pytest.fixture
def server() -> Iterator[FakeMoonshot]:
    with FakeMoonshot() as fake:
        yield fake


@pytest.fixture
async def provider(server: FakeMoonshot) -> AsyncIterator[MoonshotProvider]:
    moonshot = MoonshotProvider(api_key=server.api_key, base_url=server.base_url, read_timeout=5)
    yield moonshot
    await moonshot.aclose()


async def collect(
    provider: MoonshotProvider, model: str = "moonshot-v1-8k", **kwargs: object
) -> list[ProviderEvent]:
    return [event async for event in provider.stream(MESSAGES, model=model, **kwargs)]  # type: ignore[arg-type]


async def test_stream_yields_text_usage_and_finish(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    text = "Hello **world**, 你好！\n\n```python\nprint(1)\n```\n"
    server.enqueue(Reply(text=text, chunk_size=3))
    events = await collect(provider, temperature=0.3)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == text
    assert len([e for e in events if isinstance(e, TextDelta)]) > 5
    [usage] = [e for e in events if isinstance(e, Usage)]
    assert usage.completion_tokens > 0 and usage.total_tokens >= usage.prompt_tokens
    assert events[-1] == Finished("stop", "moonshot-v1-8k")
    [request] = server.chat_requests
    assert request.json is not None
    assert request.json["messages"] == MESSAGES
    assert request.json["temperature"] == 0.3
    assert request.json["stream"] is True
    assert request.headers["authorization"] == f"Bearer {server.api_key}"


async def test_non_streamed_completion(server: FakeMoonshot, provider: MoonshotProvider) -> None:
    server.enqueue(Reply(text="one piece"))
    events = await collect(provider, stream=False)
    assert events[0] == TextDelta("one piece")
    assert isinstance(events[1], Usage)
    assert isinstance(events[-1], Finished)
    assert server.chat_requests[0].json is not None
    assert not server.chat_requests[0].json.get("stream")


async def test_reasoning_streams_before_text(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    server.enqueue(Reply(text="42", reasoning="think think"))
    events = await collect(provider, model="kimi-k2-thinking")
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert reasoning == "think think"
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert all(not isinstance(e, ReasoningDelta) for e in events[first_text:])


async def test_auto_model_reports_the_concrete_model(provider: MoonshotProvider) -> None:
    events = await collect(provider, model="moonshot-v1-auto")
    finished = events[-1]
    assert isinstance(finished, Finished)
    assert finished.model.startswith("moonshot-v1-") and finished.model != "moonshot-v1-auto"


async def test_fixed_sampling_models_get_no_temperature(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    await collect(provider, model="kimi-k2.5", temperature=0.3)
    assert server.chat_requests[0].json is not None
    assert "temperature" not in server.chat_requests[0].json


async def test_bad_key_is_an_auth_error_explaining_cn_and_ai(server: FakeMoonshot) -> None:
    provider = MoonshotProvider(api_key="sk-wrong-key-000000", base_url=server.base_url)
    with pytest.raises(AuthError) as raised:
        await collect(provider)
    await provider.aclose()
    assert "moonshot.cn" in str(raised.value) and "moonshot.ai" in str(raised.value)
    assert "sk-wrong" not in str(raised.value)
    assert len(server.chat_requests) == 1


async def test_rate_limit_names_the_wait_and_hides_account_ids(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    server.enqueue(Fault.rate_limit(after=3))
    with pytest.raises(RateLimited) as raised:
        await collect(provider)
    assert raised.value.retry_after == 3
    assert raised.value.retryable and not raised.value.daily
    assert raised.value.request_id  # Msh-Request-Id, for support requests
    assert not re.search(r"(org|ak)-[A-Za-z0-9]", str(raised.value))
    assert str(raised.value).startswith("Rate limit reached: request reached organization max RPM")
    assert len(server.chat_requests) == 1  # the SDK's blind retries are off


async def test_daily_token_limit_is_not_retryable(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    server.enqueue(Fault.rate_limit_tpd())
    with pytest.raises(RateLimited) as raised:
        await collect(provider)
    assert raised.value.daily and not raised.value.retryable


@pytest.mark.parametrize(
    ("fault", "error_type", "words"),
    [
        (Fault.overloaded(), Overloaded, "overloaded"),
        (Fault.quota(), QuotaExceeded, "balance"),
        (Fault.quota_legacy(), QuotaExceeded, "balance"),
        (Fault.content_filter(), ContentFiltered, "content filter"),
        (Fault.server_error(), ServerError, "server failed"),
        (Fault.gateway_timeout(), ServerError, "504"),
        (Fault.url_not_found(), BadBaseURL, "/v1"),
    ],
)
async def test_status_errors_map_to_plain_messages(
    server: FakeMoonshot,
    provider: MoonshotProvider,
    fault: Fault,
    error_type: type[ProviderError],
    words: str,
) -> None:
    server.enqueue(fault)
    with pytest.raises(error_type) as raised:
        await collect(provider)
    message = str(raised.value)
    assert words in message
    assert "<html" not in message.lower()
    assert not re.search(r"(org|ak)-[A-Za-z0-9]", message)
    assert len(server.chat_requests) == 1


async def test_unknown_model(server: FakeMoonshot, provider: MoonshotProvider) -> None:
    with pytest.raises(ModelNotFound) as raised:
        await collect(provider, model="moonshot-v9-huge")
    assert raised.value.model == "moonshot-v9-huge"
    assert "moonshot-v9-huge" in str(raised.value)


@pytest.mark.parametrize("spelling", ["observed", "docs"])
async def test_context_overflow_both_spellings(
    server: FakeMoonshot, provider: MoonshotProvider, spelling: str
) -> None:
    server.enqueue(Fault.context_overflow(limit=8192, requested=9000, spelling=spelling))
    with pytest.raises(ContextOverflow) as raised:
        await collect(provider)
    assert raised.value.limit == 8192


async def test_dropped_stream_is_incomplete_after_its_text(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    server.enqueue(Fault.drop(after_chars=8))
    server.default_reply = Reply(text="0123456789abcdefghij")
    seen: list[ProviderEvent] = []
    with pytest.raises(StreamIncomplete, match="dropped"):
        async for event in provider.stream(MESSAGES, model="moonshot-v1-8k"):
            seen.append(event)
    assert "".join(e.text for e in seen if isinstance(e, TextDelta)) == "01234567"
    assert not any(isinstance(e, Finished) for e in seen)


async def test_stalled_stream_times_out(server: FakeMoonshot) -> None:
    provider = MoonshotProvider(
        api_key=server.api_key, base_url=server.base_url, read_timeout=0.5
    )
    server.enqueue(Fault.stall(after_chars=4, seconds=3))
    seen: list[ProviderEvent] = []
    with pytest.raises(StreamStalled) as raised:
        async for event in provider.stream(MESSAGES, model="moonshot-v1-8k"):
            seen.append(event)
    await provider.aclose()
    assert "0.5 s" in str(raised.value)
    assert any(isinstance(e, TextDelta) for e in seen)


async def test_error_event_mid_stream(server: FakeMoonshot, provider: MoonshotProvider) -> None:
    server.enqueue(Fault.sse_error(after_chars=4, type="engine_overloaded_error"))
    with pytest.raises(Overloaded):
        await collect(provider)


async def test_malformed_chunk(server: FakeMoonshot, provider: MoonshotProvider) -> None:
    server.enqueue(Fault.malformed_chunk(after_chars=4))
    with pytest.raises(ServerError, match="malformed"):
        await collect(provider)


async def test_connection_refused_is_unreachable_with_proxy_hint() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = MoonshotProvider(api_key="sk-x", base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(Unreachable) as raised:
        await collect(provider)
    await provider.aclose()
    assert f"127.0.0.1:{port}" in str(raised.value)
    assert "HTTPS_PROXY" in str(raised.value)


async def test_list_models(provider: MoonshotProvider) -> None:
    models = {model.id: model for model in await provider.list_models()}
    assert "moonshot-v1-8k" in models
    assert models["moonshot-v1-128k"].context_length == 131072


async def test_gate_freezes_a_stream_midway(
    server: FakeMoonshot, provider: MoonshotProvider
) -> None:
    gate = threading.Event()
    server.enqueue(Reply(text="first part|second part", gate_after=11, gate=gate))
    stream = provider.stream(MESSAGES, model="moonshot-v1-8k")
    text = ""
    async for event in stream:
        if isinstance(event, TextDelta):
            text += event.text
        if text == "first part|":
            gate.set()
    assert text == "first part|second part"


def test_repr_hides_the_key(server: FakeMoonshot) -> None:
    provider = MoonshotProvider(api_key="sk-canary-secret-42", base_url=server.base_url)
    assert "sk-canary" not in repr(provider)


class _RawSSE:
    """A server that answers every POST with one fixed SSE body (chunks the fake never sends)."""

    def __init__(self, *chunks: str) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        body = "".join(f"data: {chunk}\n\n" for chunk in (*chunks, "[DONE]")).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


async def test_chunks_are_read_as_json_without_the_fields_they_lack() -> None:
    # No model in the chunks: the reply is credited to the model asked for.
    server = _RawSSE(
        '{"choices": [{"index": 0, "delta": {"content": "Hi"}}]}',
        '{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop",'
        ' "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}]}',
    )
    try:
        provider = MoonshotProvider(api_key="sk-x", base_url=server.base_url)
        events = await collect(provider, model="moonshot-v1-8k")
        await provider.aclose()
    finally:
        server.close()
    assert events == [TextDelta("Hi"), Usage(3, 1, 4), Finished("stop", "moonshot-v1-8k")]


@pytest.mark.parametrize(
    "chunk", ['{"choices": ["oops"]}', '{"choices": {"0": {}}}', '["not", "an", "object"]']
)
async def test_a_chunk_of_the_wrong_shape_is_a_malformed_reply(chunk: str) -> None:
    server = _RawSSE('{"choices": [{"index": 0, "delta": {"content": "Hi"}}]}', chunk)
    try:
        provider = MoonshotProvider(api_key="sk-x", base_url=server.base_url)
        with pytest.raises(ServerError, match="malformed"):
            await collect(provider)
        await provider.aclose()
    finally:
        server.close()

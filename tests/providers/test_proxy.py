"""Proxies: the environment is honoured and Clash-style ``socks://`` works."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from kimitui.errors import ProviderError
from kimitui.providers.moonshot import MoonshotProvider
from kimitui.proxy import normalize_proxy_url, normalized_proxy_variables

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("socks://127.0.0.1:7890", "socks5://127.0.0.1:7890"),
        ("SOCKS://h:1", "socks5://h:1"),
        ("socks5://h:1", "socks5://h:1"),
        ("socks5h://h:1", "socks5h://h:1"),
        ("http://proxy:8080", "http://proxy:8080"),
        ("proxy:8080", "http://proxy:8080"),
    ],
)
def test_normalize_proxy_url(given: str, expected: str) -> None:
    assert normalize_proxy_url(given) == expected


def test_only_changed_variables_are_rewritten() -> None:
    environ = {"ALL_PROXY": "socks://h:1", "HTTPS_PROXY": "http://p:2", "PATH": "/bin"}
    assert normalized_proxy_variables(environ) == {"ALL_PROXY": "socks5://h:1"}


class RecordingListener:
    """A TCP listener that records the first bytes of each connection, then answers."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.received: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(65536))
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener_factory() -> Iterator[list[RecordingListener]]:
    made: list[RecordingListener] = []
    yield made
    for listener in made:
        listener.close()


async def test_https_proxy_variable_is_used(
    monkeypatch: pytest.MonkeyPatch, listener_factory: list[RecordingListener]
) -> None:
    proxy = RecordingListener(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
    listener_factory.append(proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{proxy.port}")
    provider = MoonshotProvider(api_key="sk-x", base_url="http://kimi.invalid/v1")
    with pytest.raises(ProviderError):
        async for _ in provider.stream(MESSAGES, model="moonshot-v1-8k"):
            pass
    await provider.aclose()
    assert proxy.received
    assert proxy.received[0].startswith(b"POST http://kimi.invalid/v1/chat/completions")


async def test_clash_style_socks_proxy_is_spoken_to_as_socks5(
    monkeypatch: pytest.MonkeyPatch, listener_factory: list[RecordingListener]
) -> None:
    # Answer "no acceptable auth method": the client gives up after its greeting.
    socks = RecordingListener(b"\x05\xff")
    listener_factory.append(socks)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("ALL_PROXY", f"socks://127.0.0.1:{socks.port}")
    provider = MoonshotProvider(api_key="sk-x", base_url="http://kimi.invalid/v1")
    with pytest.raises(ProviderError):
        async for _ in provider.stream(MESSAGES, model="moonshot-v1-8k"):
            pass
    await provider.aclose()
    assert socks.received and socks.received[0][0] == 5  # a SOCKS5 greeting


async def test_proxy_setting_beats_the_environment(
    monkeypatch: pytest.MonkeyPatch, listener_factory: list[RecordingListener]
) -> None:
    socks = RecordingListener(b"\x05\xff")
    listener_factory.append(socks)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    provider = MoonshotProvider(
        api_key="sk-x", base_url="http://kimi.invalid/v1", proxy=f"socks://127.0.0.1:{socks.port}"
    )
    with pytest.raises(ProviderError):
        async for _ in provider.stream(MESSAGES, model="moonshot-v1-8k"):
            pass
    await provider.aclose()
    assert socks.received and socks.received[0][0] == 5

"""Proxy settings, normalised for the HTTP client.

Clash, V2RayN and similar tools set ``ALL_PROXY=socks://127.0.0.1:7890``;
the HTTP client only knows ``socks5://`` (and ``socks5h://``) and would fail
with "Unknown scheme for proxy URL". kimitui rewrites the scheme so those
setups work unchanged. ``NO_PROXY`` keeps its usual meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

PROXY_VARIABLES = (
    "ALL_PROXY",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "all_proxy",
    "https_proxy",
    "http_proxy",
)


def normalize_proxy_url(url: str) -> str:
    """``socks://`` and ``socks4://``-less shorthands become ``socks5://``; others pass."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        # A bare host:port, as some tools write it, is an HTTP proxy.
        return f"http://{url.strip()}"
    if scheme.lower() == "socks":
        return f"socks5://{rest}"
    return url.strip()


def normalized_proxy_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """The proxy variables of ``environ`` whose value needs rewriting, rewritten."""
    changed: dict[str, str] = {}
    for name in PROXY_VARIABLES:
        value = environ.get(name)
        if value and normalize_proxy_url(value) != value:
            changed[name] = normalize_proxy_url(value)
    return changed


def normalize_proxy_environment(environ: MutableMapping[str, str]) -> None:
    """Rewrite the proxy variables in place, so the HTTP client's own
    environment handling (including ``NO_PROXY``) sees schemes it supports."""
    environ.update(normalized_proxy_variables(environ))

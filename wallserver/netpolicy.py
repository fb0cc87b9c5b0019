"""Which addresses wallserver connects to on others' behalf: remote media and sources.

A feed, a webhook or an event-scoped admin chooses the URLs, so without a policy they could make
the server fetch ``http://10.0.0.1/admin`` or probe its own network port by port. Only public
addresses are reached, unless the network is allowed by configuration
(``WALL_MEDIA_FETCH_ALLOW_NETWORKS``, ``WALL_SOURCE_ALLOW_NETWORKS``).

An IPv6 address that carries an IPv4 one is judged by the IPv4 address it reaches: mapped
(``::ffff:127.0.0.1``), compatible (``::127.0.0.1``), NAT64 (``64:ff9b::/96``,
``64:ff9b:1::/48``), 6to4 (``2002::/16``) and Teredo (``2001::/32``). Numeric IPv4 forms
(``2130706433``, ``0x7f.1``) are read by the resolver like any name and checked as what they
resolve to.

The check happens at connect time, in the HTTP client's network backend (:func:`client`): the
name is resolved once, every address it resolves to is checked, and the connection goes to a
checked address, so a DNS answer that changes between a check and the connection (rebinding)
cannot switch it. TLS still verifies the certificate against the name in the URL.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

Resolver = Callable[[str], Awaitable[list[str]]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_6TO4 = ipaddress.ip_network("2002::/16")
_TEREDO = ipaddress.ip_network("2001::/32")
_COMPATIBLE = ipaddress.ip_network("::/96")


class AddressRefused(OSError):
    """The URL leads to an address the policy refuses; the message never names the address."""

    def __init__(self) -> None:
        super().__init__("the address is not public and not in an allowed network")


async def resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Parse allow-list entries (``10.0.0.0/8``, ``::1/128``)."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def embedded(ip: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, when it carries one."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64) or (ip in _COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def permitted(address: str, allow: tuple[Network, ...] = ()) -> bool:
    """Whether the policy lets wallserver connect to ``address`` (an IP address as text)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if any(ip in net for net in allow):
        return True
    inner = embedded(ip)
    if inner is not None:
        return permitted(str(inner), allow)
    return ip.is_global and not ip.is_multicast


def check(addresses: Iterable[str], allow: tuple[Network, ...] = ()) -> list[str]:
    """``addresses`` when every one is permitted; otherwise :class:`AddressRefused`."""
    found = list(addresses)
    if not found or not all(permitted(a, allow) for a in found):
        raise AddressRefused()
    return found


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to checked addresses (see the docstring)."""

    def __init__(self, allow: tuple[Network, ...], resolver: Resolver = resolve) -> None:
        self.allow = allow
        self.resolver = resolver
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = check(await self.resolver(host), self.allow)
        except OSError as exc:
            if isinstance(exc, AddressRefused):
                raise
            raise httpcore.ConnectError(f"{host} does not resolve") from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused()

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def transport(allow: tuple[Network, ...], resolver: Resolver = resolve) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through :class:`CheckedBackend`."""
    checked = httpx.AsyncHTTPTransport()
    # httpx builds its httpcore pool itself and takes no backend; the pool reads this attribute
    # for every new connection.
    checked._pool._network_backend = CheckedBackend(allow, resolver)
    return checked


def client(allow: tuple[Network, ...], **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client that connects only where the policy permits. Environment proxies are not
    used: they would connect on the client's behalf, past the check."""
    return httpx.AsyncClient(transport=transport(allow), trust_env=False, **kwargs)

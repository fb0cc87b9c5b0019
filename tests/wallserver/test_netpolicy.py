"""The address policy for remote media and sources: public addresses only, whatever form the URL
takes, checked where the connection is made; a source's test never maps the server's network."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Wall
from wallserver import netpolicy
from wallserver.errors import WallError
from wallserver.media.remote import REFUSED, fetch

HIDDEN = [
    "http://127.0.0.1/",
    "http://[::127.0.0.1]/",  # IPv4-compatible IPv6
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[64:ff9b::7f00:1]/",  # NAT64 to 127.0.0.1
    "http://[64:ff9b::a00:1]/",  # NAT64 to 10.0.0.1
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "http://[2002:a00:1::1]/",  # 6to4 around 10.0.0.1
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[::1]/",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0x7f.1/",  # hex and short form
    "http://017700000001/",  # octal
    "http://127.1/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://224.0.0.1/",
    "http://localhost/",
]


@pytest.mark.parametrize("url", HIDDEN)
async def test_hidden_addresses_are_never_fetched(url: str, tmp_path: Path) -> None:
    """Every spelling of a private, local or embedded-private address is one clear 400."""
    async with netpolicy.client(()) as client:
        with pytest.raises(WallError) as caught:
            await fetch(url, client, max_bytes=1000, seconds=5)
    assert caught.value.status == 400 and caught.value.message == REFUSED


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("64:ff9b::5db8:d822", True),  # NAT64 to a public address
        ("2002:5db8:d822::1", True),  # 6to4 around a public address
        ("::ffff:93.184.216.34", True),
        ("::127.0.0.1", False),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo to 127.0.0.1
        ("not an address", False),
    ],
)
def test_addresses_are_judged_by_what_they_reach(address: str, allowed: bool) -> None:
    """An IPv6 address carrying an IPv4 one is as public as that IPv4 address."""
    assert netpolicy.permitted(address) is allowed


private_v4 = st.sampled_from(["10.0.0.0/8", "127.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"]).map(
    ipaddress.ip_network
)


@given(private_v4.flatmap(lambda net: st.integers(0, net.num_addresses - 1).map(net.__getitem__)))
def test_private_ipv4_is_refused_in_every_ipv6_wrapping(ip: ipaddress.IPv4Address) -> None:
    """Mapped, compatible, NAT64 and 6to4 wrappings of a private IPv4 address are all refused,
    and the allow list lets it through in every form."""
    n = int(ip)
    forms = [
        str(ip),
        f"::ffff:{ip}",
        str(ipaddress.IPv6Address(n)),
        str(ipaddress.IPv6Address((0x64FF9B << 96) | n)),
        str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80))),
    ]
    for form in forms:
        assert not netpolicy.permitted(form), form
        allow = netpolicy.networks([f"{ip}/32"])
        assert netpolicy.permitted(form, allow), form


async def test_a_name_that_changes_its_answer_is_checked_again_at_connect_time() -> None:
    """DNS rebinding: the name is public when checked, private when connected; the connection
    is refused because the address it would go to is checked, not the first answer."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str) -> list[str]:
        return next(answers)

    client = httpx.AsyncClient(transport=netpolicy.transport((), rebinding), trust_env=False)
    async with client:
        with pytest.raises(WallError) as caught:
            await fetch("http://rebind.test/", client, max_bytes=10, resolver=rebinding)
    assert caught.value.message == REFUSED


@pytest.mark.parametrize(
    "config",
    [
        {"kind": "rss", "url": "http://127.0.0.1:22/feed"},
        {"kind": "rss", "url": "http://10.1.2.3:6379/"},
        {"kind": "rss", "url": "http://[::127.0.0.1]:5432/"},
        {"kind": "mastodon", "instance": "http://169.254.169.254"},
        {"kind": "x", "bearer_token": "t", "api_base": "http://127.0.0.1:8080"},
        {"kind": "instagram", "access_token": "t", "user_id": "1", "api_base": "http://0x7f.1"},
    ],
)
async def test_source_test_refuses_private_addresses_with_one_answer(
    wall: Wall, config: dict[str, str]
) -> None:
    """An event admin cannot scan the server's network through a source's test: every private
    address gets the same answer, naming neither address nor port nor socket error."""
    made = await wall.client.post(
        f"/api/events/{wall.event.slug}/sources", json=config, headers=wall.auth("admin")
    )
    assert made.status_code == 201, made.text
    tested = await wall.client.post(
        f"/api/sources/{made.json()['id']}/test", headers=wall.auth("admin")
    )
    assert tested.status_code == 200
    assert tested.json() == {
        "ok": False,
        "error": "this address is not allowed for sources (only public addresses are)",
    }

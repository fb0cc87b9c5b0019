"""After logging in the browser goes to ``?next=`` only when it is a path on this site."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Wall
from wallserver.auth.landing import DEFAULT, landing

ELSEWHERE = [
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "/%5Cevil.example/phish",
    "/%5cevil.example/phish",
    "/%255Cevil.example/phish",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    " //evil.example",
    "/\u200b/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "admin",
    "",
    "/" + "%25" * 10 + "5C",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_anything_that_may_leave_the_site_lands_on_the_default(target: str) -> None:
    """Other hosts however spelled, schemes, relative paths, control characters: /admin."""
    assert landing(target) == DEFAULT


@pytest.mark.parametrize(
    "target", ["/moderate/xmas", "/control/xmas?screen=main", "/admin", "/wall/xmas#x", "/"]
)
def test_paths_on_this_site_are_kept(target: str) -> None:
    """The pages that send a browser to /login get it back where it was."""
    assert landing(target) == target


def _decodings(text: str) -> list[str]:
    seen = [text]
    while (decoded := unquote(seen[-1])) != seen[-1] and len(seen) < 10:
        seen.append(decoded)
    return seen


@given(st.text(alphabet=st.sampled_from("/\\%52CcFf:.\t\n evil") | st.characters(), max_size=40))
def test_any_landing_is_a_plain_path_on_this_site(target: str) -> None:
    """Whatever ``next`` says, the landing, decoded any number of times, is one-slash, no
    backslash, no control or blank characters: a browser cannot read another host into it."""
    result = landing(target)
    assert result in (target, DEFAULT)
    for form in _decodings(result):
        assert form.startswith("/") and "//" not in form and "\\" not in form
        assert not any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in form)


@given(st.lists(st.text("abcxyz-_0129", min_size=1, max_size=8), max_size=5))
def test_any_plain_path_is_kept(segments: list[str]) -> None:
    """Ordinary paths of this site (quoted as the staff pages quote them) survive."""
    path = "/" + "/".join(segments)
    assert landing(quote(path)) == quote(path)


async def test_the_login_page_carries_only_a_safe_landing(wall: Wall) -> None:
    """The page hands the checked target to its script; the reported phishing link lands on
    /admin, a staff page's own link comes back."""
    phish = await wall.client.get("/login?next=/%5Cevil.example/phish")
    assert phish.status_code == 200
    assert re.search(r'data-next="/admin"', phish.text)
    assert "evil" not in phish.text
    back = await wall.client.get("/login?next=/control/xmas%3Fscreen%3Dmain")
    assert 'data-next="/control/xmas?screen=main"' in back.text

"""Who is one person (wallserver/analytics/people.py): identities joined by handle or name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wallserver.analytics.people import Identity, handle_key, name_key, people

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(names)
def test_name_keys_ignore_case_accents_spacing_and_punctuation(name: str) -> None:
    """A name written in capitals, with extra spaces or punctuation has the same key; a key is
    its own key."""
    key = name_key(name)
    assert name_key(key) == key
    assert name_key(f"  {name.upper()}  !") == name_key(name.upper())
    assert key == "" or len(key) >= 3


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "anna", "@Anna", "bob", "cara"]),
            st.sampled_from(["", "Anna B", "anna  b!", "Bob", "Cara C", "Dan D"]),
        ),
        max_size=12,
    )
)
def test_people_join_identities_that_share_a_handle_or_a_name(pairs: list[tuple[str, str]]) -> None:
    """Two identities sharing a handle key or a name key are one person; the persons are the
    connected groups of that relation, numbered from 0."""
    ids = [Identity(h, n) for h, n in pairs]
    number = people(ids)
    for a in number:
        for b in number:
            if (handle_key(a.handle) and handle_key(a.handle) == handle_key(b.handle)) or (
                name_key(a.name) and name_key(a.name) == name_key(b.name)
            ):
                assert number[a] == number[b]
    assert sorted(set(number.values())) == list(range(len(set(number.values()))))
    assert all(handle_key(i.handle) or name_key(i.name) for i in number)
    # connectedness: two identities with one number are linked by a chain of shared keys
    for a in number:
        group = {i for i in number if number[i] == number[a]}
        reached, frontier = {a}, [a]
        while frontier:
            x = frontier.pop()
            for y in group - reached:
                if (handle_key(x.handle) and handle_key(x.handle) == handle_key(y.handle)) or (
                    name_key(x.name) and name_key(x.name) == name_key(y.name)
                ):
                    reached.add(y)
                    frontier.append(y)
        assert reached == group


def test_name_keys_of_one_name_written_differently_are_equal() -> None:
    """Accents, case and spacing do not make another person; very short names join nobody."""
    assert name_key("  José  Ñúñez!") == name_key("jose nunez") == "jose nunez"
    assert name_key("Gäste Person 3") == name_key("gaste person 3")
    assert name_key("JB") == ""
    assert handle_key(" @Anna ") == handle_key("anna") == "anna"

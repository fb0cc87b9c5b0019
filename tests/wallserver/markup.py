"""A small HTML tree over the standard library's parser, for tests that read server-rendered
pages by structure (a table's rows, a section's heading) rather than by substring."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        """The text inside, white space collapsed as a browser shows it."""
        return " ".join("".join(self._strings()).split())

    def _strings(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield " " if child.tag in ("td", "th", "li", "p", "br") else ""
                yield from child._strings()

    def walk(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.walk()

    def all(self, tag: str = "", **attrs: str) -> list[Element]:
        """Descendants with this tag (any when empty) whose attributes have these values;
        ``class_`` matches one of the classes."""
        wanted_class = attrs.pop("class_", None)
        return [
            e
            for e in self.walk()
            if (not tag or e.tag == tag)
            and all(e.attrs.get(k) == v for k, v in attrs.items())
            and (wanted_class is None or wanted_class in e.attrs.get("class", "").split())
        ]

    def one(self, tag: str = "", **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def ancestor(self, tag: str) -> Element:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"no <{tag}> around <{self.tag}>"
        return node


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open)
        self.open.children.append(element)
        if tag not in VOID:
            self.open = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.open = node.parent

    def handle_data(self, data: str) -> None:
        self.open.children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root

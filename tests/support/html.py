"""Reading the pages as a browser would, with the standard library's HTML parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts)).strip()

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        found = []
        for child in self.children:
            if child.tag == tag and all(child.attrs.get(k) == v for k, v in attrs.items()):
                found.append(child)
            found += child.find_all(tag, **attrs)
        return found

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self._open = [self.root]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self._open[-1].children.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, 0, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return self.root.find_all(tag, **attrs)

    @property
    def title(self) -> str:
        return self.find_all("title")[0].text

    @property
    def h1(self) -> str:
        (heading,) = self.find_all("h1")
        return heading.text

    @property
    def text(self) -> str:
        return self.find_all("main")[0].text

    def buttons(self) -> list[str]:
        return [b.text for b in self.find_all("button")]

    def form_with_button(self, name: str) -> tuple[str, dict[str, str]]:
        """The action and the hidden fields of the form holding the button named `name`."""
        for form in self.find_all("form"):
            if any(b.text == name for b in form.find_all("button")):
                hidden = {
                    i.attrs["name"]: i.attrs.get("value", "")
                    for i in form.find_all("input", type="hidden")
                }
                return form.attrs.get("action", ""), hidden
        raise AssertionError(f"no form with a button named {name!r}: {self.buttons()}")

    def error_summary(self) -> list[tuple[str, str]]:
        """(link target, message) of each entry of the GOV.UK error summary."""
        summaries = [d for d in self.find_all("div") if d.has_class("govuk-error-summary")]
        if not summaries:
            return []
        return [(a.attrs["href"], a.text) for a in summaries[0].find_all("a")]

    def unlabelled_fields(self) -> list[str]:
        """Visible inputs, selects and textareas without a <label for> naming their id."""
        labelled = {label.attrs.get("for") for label in self.find_all("label")}
        fields = [
            *(i for i in self.find_all("input") if i.attrs.get("type") != "hidden"),
            *self.find_all("select"),
            *self.find_all("textarea"),
        ]
        return [f.attrs.get("name", "?") for f in fields if f.attrs.get("id") not in labelled]

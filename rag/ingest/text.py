"""Text that remembers where each character came from in the original file.

Cleaning drops lines and HTML markup; citations must still point at character
offsets of the file the user dropped in, so every transformation here carries
an offset per character along with the text.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser


@dataclass(frozen=True)
class MappedText:
    text: str
    # offsets[i] is the original offset of text[i]; one extra entry marks the end.
    offsets: array

    @classmethod
    def identity(cls, text: str) -> MappedText:
        return cls(text, array("q", range(len(text) + 1)))

    def slice(self, start: int, end: int) -> MappedText:
        offs = self.offsets[start:end]
        # The end sentinel is just past the last kept character, not the next kept one.
        offs.append(self.offsets[end - 1] + 1 if end > start else self.offsets[start])
        return MappedText(self.text[start:end], offs)

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering cleaned characters [start, end)."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1

    @staticmethod
    def join(parts: list[MappedText], sep: str = "\n") -> MappedText:
        text_parts: list[str] = []
        offs = array("q")
        for i, part in enumerate(parts):
            if i:
                text_parts.append(sep)
                # A separator maps to where the previous part ended.
                offs.extend([part.offsets[0]] * len(sep))
            text_parts.append(part.text)
            offs.extend(part.offsets[:-1])
        offs.append(parts[-1].offsets[-1] if parts else 0)
        return MappedText("".join(text_parts), offs)


_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "title",
    "figcaption",
    "hr",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}


class _HtmlText(HTMLParser):
    """Collects visible text with offsets; scripts, styles and markup are dropped."""

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.raw = raw
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]
        self.chars: list[str] = []
        self.offs = array("q")
        self.skip_depth = 0

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _emit(self, text: str, at: int, per_char: bool) -> None:
        if self.skip_depth:
            return
        self.chars.append(text)
        self.offs.extend(range(at, at + len(text)) if per_char else [at] * len(text))

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self._emit("\n", self._pos(), per_char=False)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._emit("\n", self._pos(), per_char=False)

    def handle_data(self, data: str) -> None:
        # Source line wraps inside a paragraph are not paragraph breaks.
        self._emit(data.replace("\n", " "), self._pos(), per_char=True)

    def handle_entityref(self, name: str) -> None:
        self._emit(unescape(f"&{name};"), self._pos(), per_char=False)

    def handle_charref(self, name: str) -> None:
        self._emit(unescape(f"&#{name};"), self._pos(), per_char=False)


def html_to_text(raw: str) -> MappedText:
    parser = _HtmlText(raw)
    parser.feed(raw)
    parser.close()
    text = "".join(parser.chars)
    offs = parser.offs
    offs.append(len(raw))
    return MappedText(text, offs)

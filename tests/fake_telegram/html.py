"""Telegram's HTML parse mode, modelled on tdlib's ``parse_html``.

Stricter than tdlib in one way on purpose: a bare ``&`` (tdlib keeps it as a literal) is
rejected, because the Bot API documentation requires it to be escaped and a bot that relies
on tdlib's leniency has an escaping bug that breaks on the next ``&lt`` in user text.
"""

from __future__ import annotations

import re

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|([A-Za-z]+));")
_SPACE = " \t\n\r\f\v"
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")


class EntityParseError(ValueError):
    """HTML that Telegram refuses; ``description`` mimics the Bot API text."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def parse_telegram_html(text: str) -> str:
    """Return the plain text Telegram would display, or raise :class:`EntityParseError`."""
    return _Parser(text).run()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.stack: list[str] = []

    def offset(self, pos: int) -> int:
        # Telegram reports UTF-8 byte offsets, not character indexes.
        return len(self.text[:pos].encode("utf-8", "surrogatepass"))

    def fail(self, message: str, pos: int | None = None) -> EntityParseError:
        suffix = "" if pos is None else f" at byte offset {self.offset(pos)}"
        return EntityParseError(message + suffix)

    def run(self) -> str:
        pos = 0
        while pos < len(self.text):
            char = self.text[pos]
            if char == "&":
                decoded, pos = self.entity(pos)
                self.out.append(decoded)
            elif char == "<":
                pos = self.end_tag(pos) if self.peek(pos + 1) == "/" else self.start_tag(pos)
            else:
                self.out.append(char)
                pos += 1
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"'
            )
        return "".join(self.out)

    def peek(self, pos: int) -> str:
        return self.text[pos] if pos < len(self.text) else ""

    def skip_space(self, pos: int) -> int:
        while self.peek(pos) and self.peek(pos) in _SPACE:
            pos += 1
        return pos

    def entity(self, pos: int) -> tuple[str, int]:
        match = _ENTITY.match(self.text, pos)
        if match is None:
            raise self.fail('Character "&" must be escaped as "&amp;"', pos)
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in NAMED_ENTITIES:
                raise self.fail(f'Unsupported HTML entity "{match.group()}"', pos)
            return NAMED_ENTITIES[name], match.end()
        code = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.fail(f'Invalid numeric HTML entity "{match.group()}"', pos)
        return chr(code), match.end()

    def start_tag(self, begin: int) -> int:
        pos = begin + 1
        while self.peek(pos) and self.peek(pos) not in _SPACE + ">":
            pos += 1
        if not self.peek(pos):
            raise self.fail("Unclosed start tag", begin)
        tag = self.text[begin + 1 : pos].lower()
        if tag not in ALLOWED_TAGS:
            raise self.fail(f'Unsupported start tag "{tag}"', begin)
        attributes, pos = self.attributes(pos, tag, begin)
        self.check_attributes(tag, attributes, begin)
        self.stack.append(tag)
        return pos

    def attributes(self, pos: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
        found: dict[str, str] = {}
        while True:
            pos = self.skip_space(pos)
            if not self.peek(pos):
                raise self.fail(f'Unclosed start tag "{tag}"', begin)
            if self.peek(pos) == ">":
                return found, pos + 1
            name_start = pos
            while self.peek(pos) and self.peek(pos) not in _SPACE + "=>":
                pos += 1
            name = self.text[name_start:pos]
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag}"', begin)
            pos = self.skip_space(pos)
            if self.peek(pos) != "=":
                if tag == "blockquote" and name == "expandable":
                    found[name] = ""
                    continue
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}"',
                    begin,
                )
            found[name], pos = self.attribute_value(self.skip_space(pos + 1), tag, begin)

    def attribute_value(self, pos: int, tag: str, begin: int) -> tuple[str, int]:
        quote = self.peek(pos)
        if not quote:
            raise self.fail(f'Unclosed start tag "{tag}"', begin)
        if quote not in "'\"":
            token = _NAME_TOKEN.match(self.text, pos)
            end = token.end() if token else pos
            if not self.peek(end) or self.peek(end) not in _SPACE + ">":
                raise self.fail("Unexpected end of name token", pos)
            return self.text[pos:end].lower(), end
        end = self.text.find(quote, pos + 1)
        if end < 0:
            raise self.fail("Unclosed start tag", pos + 1)
        value: list[str] = []
        cursor = pos + 1
        while cursor < end:
            if self.text[cursor] == "&":
                decoded, cursor = self.entity(cursor)
                value.append(decoded)
            else:
                value.append(self.text[cursor])
                cursor += 1
        return "".join(value), end + 1

    def check_attributes(self, tag: str, attributes: dict[str, str], begin: int) -> None:
        if tag == "a" and not attributes.get("href"):
            raise self.fail('Tag "a" must have attribute "href"', begin)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"', begin)
        if tag == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise self.fail('Tag "tg-emoji" must have a numeric attribute "emoji-id"', begin)

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise self.fail("Unexpected end tag", begin)
        pos = begin + 2
        while self.peek(pos) and self.peek(pos) not in _SPACE + ">":
            pos += 1
        name = self.text[begin + 2 : pos]
        pos = self.skip_space(pos)
        if self.peek(pos) != ">":
            raise self.fail("Unclosed end tag", begin)
        expected = self.stack.pop()
        if name and name != expected:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.offset(begin)}, "
                f'expected "</{expected}>", found "</{name}>"'
            )
        return pos + 1

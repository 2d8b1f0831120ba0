"""Every catalog key the code can produce exists in both catalogs, with the same
placeholders; and no code branches on a catalog key.

Keys come from literals (any string constant shaped like a key in one of the catalogs'
namespaces, wherever it stands) and from the registered key tables (`key_table`,
`enum_keys`: outcome → message, enum value → label), plus the command descriptions. A key
assembled anywhere else (an f-string such as `f"pay.{x}"`) would escape the check, so it is
refused outright."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import bot.app
from bot.kit.i18n import load_catalog, produced_keys

ROOT = Path(__file__).parents[1]
SOURCES = sorted(
    path for package in ("bot", "handlers", "services") for path in (ROOT / package).rglob("*.py")
)
KEY_SHAPE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
TABLE_BUILDERS = {"key_table", "enum_keys"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")

ENGLISH = load_catalog("en").messages
FRENCH = load_catalog("fr").messages
NAMESPACES = {key.split(".")[0] for key in ENGLISH}


# Where a key is assembled on purpose, and how this test enumerates what it produces.
ASSEMBLERS = {
    "bot/kit/commands.py": "a command's description key: every command is listed by code_keys",
}


def looks_like_key(value: object) -> bool:
    """A dotted key in one of the catalogs' namespaces, or one of the few dotless keys."""
    if not isinstance(value, str):
        return False
    if "." not in value:
        return value in ENGLISH
    return KEY_SHAPE.match(value) is not None and value.split(".")[0] in NAMESPACES


def _trees() -> Iterator[tuple[Path, ast.AST]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(), str(path))


def _outside_tables(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except inside a call that builds a registered key table."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and _called(node) in TABLE_BUILDERS:
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _called(call: ast.Call) -> str:
    func = call.func
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )


def literal_keys() -> set[str]:
    return {
        node.value
        for _, tree in _trees()
        for node in _outside_tables(tree)
        if isinstance(node, ast.Constant) and looks_like_key(node.value)
    }


def code_keys() -> set[str]:
    commands = {command.description_key for command in bot.app.all_commands()}
    return literal_keys() | produced_keys() | commands


def test_every_key_the_code_can_produce_is_in_both_catalogs() -> None:
    keys = code_keys()
    assert len(keys) > 250, "the scan found too few keys to be looking at the code"
    assert keys - ENGLISH.keys() == set()
    assert keys - FRENCH.keys() == set()


def test_every_catalog_message_is_used() -> None:
    assert ENGLISH.keys() - code_keys() == set()


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    assert FRENCH.keys() == ENGLISH.keys()
    for key, english in ENGLISH.items():
        forms = [*_forms(english), *_forms(FRENCH[key])]
        assert all(forms), key
        assert len({frozenset(PLACEHOLDER.findall(form)) for form in forms}) == 1, key


def _forms(message: str | tuple[str, ...]) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else message


def test_no_key_is_assembled_outside_a_key_table() -> None:
    assembled = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _trees()
        if str(path.relative_to(ROOT)) not in ASSEMBLERS
        for node in _outside_tables(tree)
        if isinstance(node, ast.JoinedStr)
        and node.values
        and isinstance(first := node.values[0], ast.Constant)
        and isinstance(first.value, str)
        and first.value.split(".")[0] in NAMESPACES
        and "." in first.value
    ]
    assert assembled == []


def test_no_code_branches_on_a_catalog_key() -> None:
    branching = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            operands: list[ast.expr] = []
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
            elif isinstance(node, ast.Call) and _called(node) in ("startswith", "endswith"):
                operands = list(node.args)
            if any(isinstance(o, ast.Constant) and _key_or_prefix(o.value) for o in operands):
                branching.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert branching == []


def _key_or_prefix(value: object) -> bool:
    return looks_like_key(value) or looks_like_key(str(value).rstrip("._"))


def test_french_numbers_things_with_n_degree_never_a_hash() -> None:
    """French screens say "résultat n°3" ("#3" is English usage), written alike everywhere:
    no "#" before a number, and no space after "n°"."""
    numbered_wrongly = re.compile(r"#\s*\{|#\d|n°\s+\{")
    found = [
        key
        for key, message in FRENCH.items()
        for form in _forms(message)
        if numbered_wrongly.search(form)
    ]
    assert found == []

"""Hive column types as the Glue catalog writes them (``struct<a:int,b:array<string>>``), parsed
into a tree and written back.

A type is a primitive name (``int``, ``string``, ``decimal(10,2)``...) or an ``Array``, ``Struct``
or ``Map``. ``NULL`` stands for "only nulls seen so far" (a crawler's inference) and is written
as ``string``, which is what Glue writes for a column it never saw a value in. The parser also
reads Trino's ``row(name type, ...)`` and backquoted field names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NULL = "null"


@dataclass(frozen=True)
class Array:
    element: HiveType


@dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, HiveType], ...]


@dataclass(frozen=True)
class Map:
    key: HiveType
    value: HiveType


HiveType = str | Array | Struct | Map


def type_text(t: HiveType) -> str:
    """The catalog's text of a type: ``struct<a:int,b:array<string>>``."""
    if isinstance(t, Array):
        return f"array<{type_text(t.element)}>"
    if isinstance(t, Struct):
        return "struct<" + ",".join(f"{name}:{type_text(ft)}" for name, ft in t.fields) + ">"
    if isinstance(t, Map):
        return f"map<{type_text(t.key)},{type_text(t.value)}>"
    return "string" if t == NULL else t


_TOKEN = re.compile(r"`[^`]+`|[A-Za-z_][\w]*|\d+|[<>(),:]")


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _TOKEN.findall(text)
        if _TOKEN.sub("", text).strip():  # something that is no token (and no space)
            raise ValueError(f"cannot read column type {text!r}")
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"cannot read column type {self.text!r}")
        self.pos += 1
        return token

    def read(self) -> HiveType:
        name = self.take().lower()
        if name == "array":
            self.take("<")
            element = self.read()
            self.take(">")
            return Array(element)
        if name == "map":
            self.take("<")
            key = self.read()
            self.take(",")
            value = self.read()
            self.take(">")
            return Map(key, value)
        if name in ("struct", "row"):
            close = ">" if self.peek() == "<" else ")"
            self.take("<" if close == ">" else "(")
            fields = []
            while True:
                field = self.take().strip("`")
                if self.peek() == ":":  # struct<name:type>; row(name type) has no colon
                    self.take(":")
                fields.append((field, self.read()))
                if self.peek() != ",":
                    break
                self.take(",")
            self.take(close)
            return Struct(tuple(fields))
        if self.peek() == "(":  # decimal(10,2), varchar(255)
            args = [self.take("(")]
            while self.peek() != ")":
                args.append(self.take())
            args.append(self.take(")"))
            return name + "".join(args)
        return name


def parse(text: str) -> HiveType:
    """Parse a catalog type string such as ``struct<a:int,b:array<string>>`` (ValueError if it is not one)."""
    reader = _Reader(text)
    parsed = reader.read()
    if reader.peek() is not None:
        raise ValueError(f"unexpected {''.join(reader.tokens[reader.pos :])!r} after type in {text!r}")
    return parsed

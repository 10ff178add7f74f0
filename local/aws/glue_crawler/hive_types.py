"""Hive column types as a crawler infers them, and how two inferences of one column combine.

A type is a primitive name (``int``, ``string``, ``decimal(10,2)``...) or an ``Array``,
``Struct`` or ``Map``. ``NULL`` stands for "only nulls seen so far" and renders as ``string``,
which is what Glue writes for a column it never saw a value in.
"""

from __future__ import annotations

from dataclasses import dataclass

NULL = "null"

# Integral and floating types in widening order: a column seen as both becomes the wider one.
_NUMERIC_RANK = {"tinyint": 0, "smallint": 1, "int": 2, "bigint": 3, "float": 4, "double": 5}


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


def render(t: HiveType) -> str:
    if isinstance(t, Array):
        return f"array<{render(t.element)}>"
    if isinstance(t, Struct):
        return "struct<" + ",".join(f"{name}:{render(ft)}" for name, ft in t.fields) + ">"
    if isinstance(t, Map):
        return f"map<{render(t.key)},{render(t.value)}>"
    return "string" if t == NULL else t


def merge(a: HiveType, b: HiveType) -> HiveType:
    """The narrowest type that holds values of both ``a`` and ``b`` (``string`` when nothing else does)."""
    if a == b:
        return a
    if a == NULL:
        return b
    if b == NULL:
        return a
    if isinstance(a, Array) and isinstance(b, Array):
        return Array(merge(a.element, b.element))
    if isinstance(a, Struct) and isinstance(b, Struct):
        return Struct(tuple(merge_fields(dict(a.fields), dict(b.fields)).items()))
    if isinstance(a, Map) and isinstance(b, Map):
        return Map(merge(a.key, b.key), merge(a.value, b.value))
    if isinstance(a, str) and isinstance(b, str):
        return _merge_primitive(a, b)
    return "string"


def merge_fields(a: dict[str, HiveType], b: dict[str, HiveType]) -> dict[str, HiveType]:
    """Union of two name -> type mappings: ``a``'s order first, then names only ``b`` has."""
    merged = dict(a)
    for name, t in b.items():
        merged[name] = merge(merged[name], t) if name in merged else t
    return merged


def _merge_primitive(a: str, b: str) -> str:
    if a in _NUMERIC_RANK and b in _NUMERIC_RANK:
        wider = max(a, b, key=_NUMERIC_RANK.__getitem__)
        # float holds no bigint exactly; double is what both fit in.
        return "double" if wider == "float" and "bigint" in (a, b) else wider
    if a.startswith("decimal") and b.startswith("decimal"):
        (p1, s1), (p2, s2) = _decimal_args(a), _decimal_args(b)
        scale = max(s1, s2)
        return f"decimal({min(38, max(p1 - s1, p2 - s2) + scale)},{scale})"
    if a.startswith("decimal") and b in _NUMERIC_RANK or b.startswith("decimal") and a in _NUMERIC_RANK:
        return "double"
    if {a, b} == {"date", "timestamp"}:
        return "timestamp"
    return "string"


def _decimal_args(t: str) -> tuple[int, int]:
    inside = t[t.index("(") + 1 : t.rindex(")")] if "(" in t else "10,0"
    precision, _, scale = inside.partition(",")
    return int(precision), int(scale or 0)


def parse(text: str) -> HiveType:
    """Parse a catalog type string such as ``struct<a:int,b:array<string>>``."""
    t, rest = _parse(text.replace(" ", ""))
    if rest:
        raise ValueError(f"unexpected {rest!r} after type in {text!r}")
    return t


def _parse(text: str) -> tuple[HiveType, str]:
    lower = text.lower()
    if lower.startswith("array<"):
        element, rest = _parse(text[6:])
        return Array(element), _expect(rest, ">")
    if lower.startswith("map<"):
        key, rest = _parse(text[4:])
        value, rest = _parse(_expect(rest, ","))
        return Map(key, value), _expect(rest, ">")
    if lower.startswith("struct<"):
        rest = text[7:]
        fields: list[tuple[str, HiveType]] = []
        while not rest.startswith(">"):
            name, colon, rest = rest.partition(":")
            if not colon:
                raise ValueError(f"struct field without a type in {text!r}")
            field_type, rest = _parse(rest)
            fields.append((name.lower(), field_type))
            if rest.startswith(","):
                rest = rest[1:]
        return Struct(tuple(fields)), rest[1:]
    end = len(text)
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in ",>" and depth == 0:
            end = i
            break
    return lower[:end], text[end:]


def _expect(rest: str, token: str) -> str:
    if not rest.startswith(token):
        raise ValueError(f"expected {token!r} at {rest!r}")
    return rest[len(token) :]

"""How a crawler combines two inferences of one column's type: the narrowest type that holds both."""

from __future__ import annotations

from local.aws.hive.types import NULL, Array, HiveType, Map, Struct

# Integral and floating types in widening order: a column seen as both becomes the wider one.
_NUMERIC_RANK = {"tinyint": 0, "smallint": 1, "int": 2, "bigint": 3, "float": 4, "double": 5}


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

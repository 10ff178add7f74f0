"""Hive types (``local.aws.hive.types``) <-> DuckDB types, Athena's result type names, and values
written as Athena writes them in results (``result_text``)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable
from typing import Any

from local.aws.athena.errors import QueryFailed
from local.aws.hive.types import Array, HiveType, Map, Struct, parse

_PRIMITIVES = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "real": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
    "varbinary": "BLOB",
}


def _duck(t: HiveType, text: str) -> str:
    if isinstance(t, Array):
        return f"{_duck(t.element, text)}[]"
    if isinstance(t, Map):
        return f"MAP({_duck(t.key, text)}, {_duck(t.value, text)})"
    if isinstance(t, Struct):
        return "STRUCT(" + ", ".join(f'"{name}" {_duck(ft, text)}' for name, ft in t.fields) + ")"
    name, _, args = t.partition("(")
    if name == "decimal":
        precision, _, scale = (args.rstrip(")") or "10,0").partition(",")
        return f"DECIMAL({precision}, {scale or 0})"
    if name not in _PRIMITIVES:
        raise QueryFailed("NOT_SUPPORTED", f"Unknown type '{name}' for column type '{text}'")
    return _PRIMITIVES[name]


def duckdb_type(hive_type: str) -> str:
    """``array<struct<a:int>>`` -> ``STRUCT("a" INTEGER)[]``."""
    leading = re.match(r"\s*`?([A-Za-z_]\w*)", hive_type)
    if leading and leading.group(1).lower() not in {*_PRIMITIVES, "decimal", "array", "map", "struct", "row"}:
        raise QueryFailed("NOT_SUPPORTED", f"Unknown type '{leading.group(1).lower()}' for column type '{hive_type}'")
    try:
        return _duck(parse(hive_type), hive_type)
    except ValueError:
        raise QueryFailed("SYNTAX_ERROR", f"cannot read column type '{hive_type}'") from None


def athena_type(duck_type: str) -> str:
    """The type name Athena puts in ColumnInfo for a DuckDB result column type."""
    t = duck_type.upper()
    if t.endswith("[]"):
        return "array"
    for prefix, name in (("STRUCT", "row"), ("MAP", "map"), ("DECIMAL", "decimal"), ("UNION", "row")):
        if t.startswith(prefix):
            return name
    return {
        "VARCHAR": "varchar",
        "TINYINT": "tinyint",
        "SMALLINT": "smallint",
        "INTEGER": "integer",
        "BIGINT": "bigint",
        "HUGEINT": "bigint",
        "UTINYINT": "smallint",
        "USMALLINT": "integer",
        "UINTEGER": "bigint",
        "UBIGINT": "bigint",
        "FLOAT": "real",
        "DOUBLE": "double",
        "BOOLEAN": "boolean",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "TIMESTAMP_NS": "timestamp",
        "TIMESTAMP_MS": "timestamp",
        "TIMESTAMP_S": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
        "TIME": "time",
        "INTERVAL": "interval day to second",
        "BLOB": "varbinary",
        "UUID": "uuid",
        "JSON": "json",
        "NULL": "unknown",
    }.get(t, "varchar")


def _java_double(value: float) -> str:
    """Java's Double.toString, which Trino uses: 3.0, 0.001, 1.0E7, 1.0E-4, NaN, Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text else f"{text}.0"
    sign = "-" if value < 0 else ""
    shortest = f"{abs(value):.16e}"
    for precision in range(17):
        candidate = f"{abs(value):.{precision}e}"
        if float(candidate) == abs(value):
            shortest = candidate
            break
    mantissa, exponent = shortest.split("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{sign}{mantissa}E{int(exponent)}"


def result_text(value: Any, athena: str = "") -> str | None:
    """A result value as Athena writes it in CSV and GetQueryResults (``None`` = NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # 0.0000000000, never 0E-10
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
        if value.tzinfo is not None:
            text += " UTC" if value.utcoffset() == dt.timedelta(0) else f" {value.strftime('%z')}"
        return text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, bytes):
        return " ".join(f"{b:02x}" for b in value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    if isinstance(value, dict):
        if athena == "map" or set(value) == {"key", "value"}:
            return "{" + ", ".join(f"{_nested(k)}={_nested(v)}" for k, v in value.items()) + "}"
        return "{" + ", ".join(f"{k}={_nested(v)}" for k, v in value.items()) + "}"
    return str(value)


def _nested(value: Any) -> str:
    text = result_text(value)
    return "null" if text is None else text


_HIVE_OF_DUCK = {
    "varchar": "string",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "integer": "int",
    "bigint": "bigint",
    "hugeint": "bigint",
    "utinyint": "smallint",
    "usmallint": "int",
    "uinteger": "bigint",
    "ubigint": "bigint",
    "float": "float",
    "double": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ms": "timestamp",
    "timestamp_ns": "timestamp",
    "timestamp_s": "timestamp",
    "blob": "binary",
    "null": "string",
}


def hive_type_of(duck: Any) -> str:
    """The Hive type Athena stores in Glue for a DuckDB result column (a ``DuckDBPyType``)."""
    kind = duck.id
    if kind == "list":
        return f"array<{hive_type_of(duck.children[0][1])}>"
    if kind == "map":
        return f"map<{hive_type_of(duck.children[0][1])},{hive_type_of(duck.children[1][1])}>"
    if kind == "struct":
        return "struct<" + ",".join(f"{name}:{hive_type_of(t)}" for name, t in duck.children) + ">"
    if kind == "decimal":
        return f"decimal({duck.children[0][1]},{duck.children[1][1]})"
    if kind in _HIVE_OF_DUCK:
        return _HIVE_OF_DUCK[kind]
    raise QueryFailed("NOT_SUPPORTED", f"Unsupported Hive type: {athena_type(str(duck))}")


def _plain(value: Any) -> str | None:
    return None if value is None else str(value)


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else result_text(value)


def result_texter(athena: str) -> Callable[[Any], str | None]:
    """The fastest correct ``result_text`` for a column of one Athena type."""
    if athena == "varchar":
        return _text
    if athena in ("tinyint", "smallint", "integer", "bigint", "date"):
        return _plain
    return lambda value: result_text(value, athena)

"""A catalog table as a DuckDB relation over local copies of its S3 objects.

Only the partitions that the query's predicates on partition columns can match are listed and
read; DataScannedInBytes is the size of the objects read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from local.aws.athena.catalog import Catalog, Table
from local.aws.athena.errors import QueryFailed
from local.aws.athena.types import duckdb_type
from local.aws.s3.files import S3Files, S3Object, split_uri

HIVE_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class Predicate:
    """``column op values`` from a WHERE clause; op is one of = != < <= > >= in."""

    column: str
    op: str
    values: tuple[Any, ...]


@dataclass
class Scan:
    sql: str
    bytes_scanned: int
    files: int


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_objects(s3: S3Files, location: str) -> list[S3Object]:
    """Data objects below an S3 folder, skipping what Hive skips (names starting with _ or .)."""
    if not location:
        return []
    bucket, prefix = split_uri(location)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    try:
        objects = s3.list(bucket, prefix)
    except Exception:  # a missing bucket reads as an empty table, as in Athena
        return []
    return [
        o
        for o in objects
        if not any(part.startswith(("_", ".")) for part in o.key[len(prefix) :].split("/"))
        and not o.key.endswith("_$folder$")
    ]


def _typed(value: str, hive_type: str) -> Any:
    t = hive_type.lower()
    if value == HIVE_NULL_PARTITION:
        return None
    try:
        if t in ("int", "integer", "bigint", "smallint", "tinyint"):
            return int(value)
        if t in ("double", "float", "real") or t.startswith("decimal"):
            return float(value)
        if t == "date":
            return dt.date.fromisoformat(value)
    except ValueError:
        return value
    return value


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, dt.date) and isinstance(b, str):
        return a, dt.date.fromisoformat(b[:10])
    if isinstance(a, int | float) and isinstance(b, str):
        return a, float(b)
    if isinstance(a, str) and not isinstance(b, str):
        return a, str(b)
    return a, b


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def partition_matches(table: Table, values: list[str], predicates: list[Predicate]) -> bool:
    """False only when a predicate on a partition column surely rejects this partition."""
    typed = {key.name: _typed(v, key.type) for key, v in zip(table.partition_keys, values, strict=False)}
    for pred in predicates:
        if pred.column not in typed:
            continue
        actual = typed[pred.column]
        if actual is None:
            return False  # every comparison with NULL is unknown, so the row is filtered out
        try:
            if pred.op == "in":
                if not any(_OPS["="](*_comparable(actual, v)) for v in pred.values):
                    return False
            elif not _OPS[pred.op](*_comparable(actual, pred.values[0])):
                return False
        except (TypeError, ValueError):
            continue  # cannot decide here: keep the partition, DuckDB applies the filter anyway
    return True


def _reader(table: Table, paths: list[Path], keys: dict[str, str]) -> str:
    files = "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    fmt = table.data_format
    if fmt == "parquet":
        return f"read_parquet({files}, union_by_name = true)"
    if fmt == "json":
        types = [duckdb_type(c.type) for c in table.columns]
        columns = ", ".join(
            f"{quote(keys.get(c.name, c.name))}: {quote('JSON' if _typed_scalar(t) else t)}"
            for c, t in zip(table.columns, types, strict=True)
        )
        ignore = table.serde_parameters.get("ignore.malformed.json", "false").lower() == "true"
        return (
            f"read_json({files}, format = 'newline_delimited', columns = {{{columns}}}, "
            f"ignore_errors = {str(ignore).lower()}, maximum_object_size = 268435456)"
        )
    if fmt in ("text", "opencsv"):
        params = table.serde_parameters
        skip = int(table.parameters.get("skip.header.line.count", "0") or 0)
        columns = ", ".join(f"{quote(c.name)}: 'VARCHAR'" for c in table.columns)
        if fmt == "opencsv":
            delim = params.get("separatorChar", ",")
            quote_char, escape_char = params.get("quoteChar", '"'), params.get("escapeChar", "\\")
            options = f"quote = {quote(quote_char)}, escape = {quote(escape_char)}"
        else:
            delim = params.get("field.delim") or params.get("serialization.format") or "\x01"
            if delim.isdigit():  # serialization.format '1' means the default ctrl-A
                delim = chr(int(delim)) if delim != "1" else "\x01"
            options = "quote = '', escape = '', nullstr = '\\N'"
        return (
            f"read_csv({files}, columns = {{{columns}}}, header = false, skip = {skip}, "
            f"delim = {quote(delim)}, {options}, null_padding = true, auto_detect = false, "
            "strict_mode = false)"
        )
    raise QueryFailed("NOT_SUPPORTED", f"Reading {fmt.upper()} data ({table.serde}) is not supported locally")


def _projection(
    table: Table, present: set[str] | None, partition_values: list[str] | None, keys: dict[str, str]
) -> str:
    parts = []
    lenient = table.data_format in ("text", "opencsv")
    for field, col in enumerate(table.columns):
        target = duckdb_type(col.type)
        if table.data_format == "json" and _typed_scalar(target):
            parts.append(f"{_json_value(ident(keys.get(col.name, col.name)), target, field)} AS {ident(col.name)}")
        elif col.name in keys:
            parts.append(f"CAST({ident(keys[col.name])} AS {target}) AS {ident(col.name)}")
        elif present is not None and col.name not in present:
            parts.append(f"CAST(NULL AS {target}) AS {ident(col.name)}")
        elif lenient and target != "VARCHAR":
            # Hive reads an unparsable text value as NULL. left() stops DuckDB from pushing the
            # cast into its multi-file CSV reader, where it would become a strict (failing) cast.
            parts.append(f"TRY_CAST(left({ident(col.name)}, 2147483647) AS {target}) AS {ident(col.name)}")
        else:
            parts.append(f"CAST({ident(col.name)} AS {target}) AS {ident(col.name)}")
    for key, value in zip(table.partition_keys, partition_values or [], strict=False):
        literal = "NULL" if value == HIVE_NULL_PARTITION else quote(value)
        parts.append(f"CAST({literal} AS {duckdb_type(key.type)}) AS {ident(key.name)}")
    return ", ".join(parts)


def _typed_scalar(duckdb_type_name: str) -> bool:
    """A JSON column whose values the SerDe parses into another type than a string."""
    nested = duckdb_type_name.startswith(("STRUCT", "MAP")) or "[]" in duckdb_type_name
    return duckdb_type_name != "VARCHAR" and not nested


def _json_value(raw: str, target: str, field: int) -> str:
    """The JSON SerDes' reading of one typed field: JSON null or absent is NULL; a value that does
    not parse as the column's type fails the query (HIVE_BAD_DATA), as on Athena, where
    ``ignore.malformed.json`` covers only lines that are not JSON."""
    text = f"({raw} ->> '$')"
    message = f"'HIVE_BAD_DATA: Error parsing field value ''' || {text} || ''' for field {field}: For input string: \"' || {text} || '\"'"
    return (
        f"CASE WHEN {raw} IS NULL OR json_type({raw}) = 'NULL' THEN NULL "
        f"WHEN TRY_CAST({text} AS {target}) IS NULL THEN error({message}) ELSE TRY_CAST({text} AS {target}) END"
    )


def _empty(table: Table) -> str:
    cols = [*table.columns, *table.partition_keys]
    select = ", ".join(f"CAST(NULL AS {duckdb_type(c.type)}) AS {ident(c.name)}" for c in cols)
    return f"SELECT {select} WHERE false"


# (path, size, mtime) -> lower-cased column names in the file's footer; files are immutable
# copies (S3Files replaces a file when its object changes), so a footer is read once.
_footer_columns: dict[tuple[str, int, int], set[str]] = {}


def _parquet_columns(conn: duckdb.DuckDBPyConnection, paths: list[Path]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    unknown = []
    for path in paths:
        stat = path.stat()
        cached = _footer_columns.get((str(path), stat.st_size, stat.st_mtime_ns))
        if cached is None:
            unknown.append(path)
        else:
            found[str(path)] = cached
    if unknown:
        files = "[" + ", ".join(quote(str(p)) for p in unknown) + "]"
        read: dict[str, set[str]] = {}
        for file_name, name in conn.execute(f"SELECT file_name, lower(name) FROM parquet_schema({files})").fetchall():
            read.setdefault(file_name, set()).add(name)
        for path in unknown:
            stat = path.stat()
            names = read.get(str(path), set())
            _footer_columns[(str(path), stat.st_size, stat.st_mtime_ns)] = names
            found[str(path)] = names
    return found


def _json_keys(conn: duckdb.DuckDBPyConnection, table: Table, paths: list[Path]) -> dict[str, str]:
    """Column name -> the JSON key spelling in the data, where it differs only in case.

    The JSON SerDes match keys case-insensitively (``GroupID`` fills column ``groupid``); DuckDB
    matches exactly, so the keys are read from a sample of the records first.
    """
    files = "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    try:
        found = conn.sql(
            f"SELECT * FROM read_json({files}, format = 'newline_delimited', ignore_errors = true, "
            "maximum_object_size = 268435456) LIMIT 0"
        ).columns
    except duckdb.Error:
        return {}
    wanted = {c.name for c in table.columns}
    keys: dict[str, str] = {}
    for key in found:
        if key.lower() in wanted and key != key.lower() and key.lower() not in keys and key.lower() not in found:
            keys[key.lower()] = key
    return keys


def _refuse_unsupported(table: Table) -> None:
    """Table kinds whose rows would come out wrong (not just slow) if read as plain Hive folders."""
    params = {k.lower(): str(v).lower() for k, v in table.parameters.items()}
    if params.get("projection.enabled") == "true":
        raise QueryFailed("NOT_SUPPORTED", f"Partition projection (table {table.name}) is not supported locally")
    if params.get("table_type") in ("iceberg", "delta", "hudi"):
        raise QueryFailed("NOT_SUPPORTED", f"{params['table_type'].upper()} tables are not supported locally")
    if table.raw.get("TableType") == "VIRTUAL_VIEW":
        raise QueryFailed("NOT_SUPPORTED", f"Views ({table.name}) are not supported locally")


def build_scan(
    conn: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    s3: S3Files,
    table: Table,
    predicates: list[Predicate],
) -> Scan:
    """SQL of a relation with the table's columns then partition keys, over the files it must read."""
    _refuse_unsupported(table)
    groups: list[tuple[list[str] | None, list[S3Object]]] = []
    if table.partition_keys:
        for part in catalog.partitions(table):
            if partition_matches(table, part.values, predicates):
                groups.append((part.values, list_objects(s3, part.location)))
    else:
        groups.append((None, list_objects(s3, table.location)))
    selects, total, count = [], 0, 0
    materialized: list[tuple[list[str] | None, list[Path]]] = []
    for values, objects in groups:
        objects = [o for o in objects if o.size > 0]
        if catalog.access is not None:  # Athena reads the files as its caller
            for bucket in sorted({o.bucket for o in objects}):
                catalog.access.read(bucket, [o.key for o in objects if o.bucket == bucket])
        if not objects:
            continue
        total += sum(o.size for o in objects)
        count += len(objects)
        materialized.append((values, s3.materialize(objects)))
    present: dict[str, set[str]] = {}
    keys: dict[str, str] = {}
    if table.data_format == "json" and materialized:
        keys = _json_keys(conn, table, [p for _, paths in materialized for p in paths])
    if table.data_format == "parquet" and materialized:
        present = _parquet_columns(conn, [p for _, paths in materialized for p in paths])
    for values, paths in materialized:
        columns = None
        if table.data_format == "parquet":
            columns = set().union(*(present.get(str(p), set()) for p in paths))
        select = _projection(table, columns, values, keys)
        selects.append(f"SELECT {select} FROM {_reader(table, paths, keys)}")
    sql = "\nUNION ALL\n".join(selects) if selects else _empty(table)
    return Scan(sql=sql, bytes_scanned=total, files=count)


_HIVE_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^")


def hive_escape(value: str) -> str:
    """A partition value as Hive writes it into a folder name (``a/b`` -> ``a%2Fb``)."""
    return "".join(f"%{ord(c):02X}" if c in _HIVE_ESCAPED or ord(c) < 0x20 else c for c in value)


def partition_folder(location: str, keys: list[str], values: list[str]) -> str:
    """``<location>/k1=v1/k2=v2/``: where Athena puts a partition it creates."""
    path = "/".join(f"{k}={hive_escape(v)}" for k, v in zip(keys, values, strict=True))
    return f"{location.rstrip('/')}/{path}/"


def partition_location(table: Table, values: list[str]) -> str:
    return partition_folder(table.location, [k.name for k in table.partition_keys], values)

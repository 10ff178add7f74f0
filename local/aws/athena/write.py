"""Statements that write data: CREATE TABLE AS, INSERT INTO, UNLOAD.

DuckDB writes into a scratch folder (COPY, Hive-style ``k=v`` folders for partitions), the files
are uploaded with ``S3Files.put_tree`` and new partitions are registered in Glue, as Athena does.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote as url_unquote

import duckdb
from sqlglot import exp

from local.aws.athena import query, sqltext, translate
from local.aws.athena.catalog import Column, table_input
from local.aws.athena.ddl import NAME
from local.aws.athena.errors import QueryFailed, from_duckdb
from local.aws.athena.results import ResultSet
from local.aws.athena.scan import ident, list_objects, partition_folder, partition_location, quote
from local.aws.athena.session import Session
from local.aws.athena.types import duckdb_type, hive_type_of
from local.aws.s3.files import split_uri

_CTAS = re.compile(rf"^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?{NAME}\s*(WITH\s*\()?", re.I)
_INSERT = re.compile(rf"^INSERT\s+INTO\s+{NAME}\s*", re.I)
_UNLOAD = re.compile(r"^UNLOAD\s*\(", re.I)
_NO_DATA = re.compile(r"\s+WITH\s+(NO\s+)?DATA\s*$", re.I)

_FORMATS = {"parquet": "parquet", "json": "json", "textfile": "textfile", "orc": "orc", "avro": "avro"}
_JSON_SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"

# Athena: a CTAS or INSERT INTO writes at most 100 partitions (Athena user guide, CTAS considerations).
MAX_PARTITIONS_PER_WRITE = 100


def handles(sql: str) -> bool:
    match = _CTAS.match(sql)
    is_ctas = bool(match) and re.search(r"\bAS\b", sqltext.mask(sql[match.end() :]), re.I) is not None
    return is_ctas or bool(_INSERT.match(sql)) or bool(_UNLOAD.match(sql))


def run(session: Session, conn: duckdb.DuckDBPyConnection, sql: str) -> ResultSet:
    if match := _INSERT.match(sql):
        return _insert(session, conn, sql, match)
    if _UNLOAD.match(sql):
        return _unload(session, conn, sql)
    match = _CTAS.match(sql)
    assert match is not None
    return _ctas(session, conn, sql, match)


def _with_properties(text: str) -> dict[str, object]:
    props: dict[str, object] = {}
    for item in sqltext.split_top(text):
        key, _, value = item.partition("=")
        value = value.strip()
        if array := re.match(r"^ARRAY\s*\[(.*)\]$", value, re.I | re.S):
            props[key.strip().lower()] = [sqltext.unquote(v).lower() for v in sqltext.split_top(array.group(1))]
        else:
            props[key.strip().lower()] = sqltext.unquote(value)
    return props


def _relation(session: Session, conn: duckdb.DuckDBPyConnection, select_sql: str) -> duckdb.DuckDBPyRelation:
    tree = translate.parse(select_sql)
    if not isinstance(tree, exp.Query | exp.Values):
        raise QueryFailed("SYNTAX_ERROR", "line 1:1: expected a query")
    duck_sql = query.prepare(session, conn, tree, select_sql)
    return query.execute(conn, duck_sql, select_sql)


def _ensure_empty(session: Session, location: str, what: str) -> None:
    if list_objects(session.s3, location):
        raise QueryFailed("HIVE_PATH_ALREADY_EXISTS", f"Target directory for {what} already exists: {location}")


def _copy(
    conn: duckdb.DuckDBPyConnection,
    select: str,
    folder: Path,
    data_format: str,
    compression: str,
    partition_by: list[str],
    pattern: str,
    delimiter: str = "\x01",
) -> int:
    """COPY into ``folder`` (Hive ``k=v`` folders when partitioned); return the rows written."""
    options = []
    if data_format == "parquet":
        options += ["FORMAT parquet", f"COMPRESSION {compression or 'snappy'}"]
    elif data_format == "json":
        options += ["FORMAT json", f"COMPRESSION {compression or 'none'}"]
    elif data_format == "textfile":
        options += ["FORMAT csv", "HEADER false", f"DELIMITER {quote(delimiter)}", "QUOTE ''", "ESCAPE ''"]
        options += [r"NULLSTR '\N'", f"COMPRESSION {compression or 'none'}"]
    else:
        raise QueryFailed("NOT_SUPPORTED", f"Writing {data_format.upper()} is not supported locally")
    if partition_by:
        options.append(f"PARTITION_BY ({', '.join(ident(c) for c in partition_by)})")
        options.append(f"FILENAME_PATTERN {quote(pattern + '_{i}')}")
        target = folder
    else:
        folder.mkdir(parents=True, exist_ok=True)
        extension = {"parquet": "parquet", "json": "json", "textfile": "csv"}[data_format]
        target = folder / f"{pattern}.{extension}"
    try:
        written = conn.execute(f"COPY ({select}) TO {quote(str(target))} ({', '.join(options)})").fetchone()
    except duckdb.Error as err:
        raise from_duckdb(err, select) from None
    rows = int(written[0]) if written else 0
    if not rows:  # Athena writes no file for an empty result
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def _written_partitions(folder: Path, keys: list[str]) -> list[tuple[list[str], Path]]:
    """(values, folder) for each ``k1=v1/k2=v2`` folder DuckDB wrote."""
    found = []
    for leaf in sorted({p.parent for p in folder.rglob("*") if p.is_file()}):
        parts = leaf.relative_to(folder).parts
        if len(parts) != len(keys):
            continue
        found.append(([url_unquote(part.partition("=")[2]) for part in parts], leaf))
    return found


def _upload(session: Session, folder: Path, location: str) -> None:
    session.check_cancelled()
    bucket, prefix = split_uri(location)
    if session.catalog.access is not None:  # Athena writes the files as its caller
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            session.catalog.access.write(
                bucket, f"{prefix.rstrip('/')}/{path.relative_to(folder).as_posix()}".lstrip("/")
            )
    session.s3.put_tree(folder, bucket, prefix)


def _normalise_compression(value: object, data_format: str) -> str:
    text = str(value or "").lower()
    if text in ("", "none", "uncompressed"):
        return "" if data_format != "parquet" else "uncompressed"
    if text not in ("snappy", "gzip", "zstd", "lz4"):
        raise QueryFailed("NOT_SUPPORTED", f"write_compression '{text.upper()}' is not supported locally")
    return text


def _output_select(relation_alias: str, columns: list[tuple[str, str]]) -> str:
    casts = ", ".join(f"CAST({ident(name)} AS {duckdb_type(t)}) AS {ident(name)}" for name, t in columns)
    return f"SELECT {casts} FROM {relation_alias}"


def _ctas(session: Session, conn: duckdb.DuckDBPyConnection, sql: str, match: re.Match[str]) -> ResultSet:
    database, name = session.split_name(match.group(2))
    rest = sql[match.end() :]
    props: dict[str, object] = {}
    if match.group(3):
        close_at = sqltext.closing(sql, match.end() - 1)
        props = _with_properties(sql[match.end() : close_at])
        rest = sql[close_at + 1 :]
    as_match = re.match(r"\s*AS\s+", rest, re.I)
    if not as_match:
        raise QueryFailed("SYNTAX_ERROR", "line 1:1: expected AS <query> in CREATE TABLE AS")
    select_sql = rest[as_match.end() :]
    with_data = True
    if no_data := _NO_DATA.search(select_sql):
        with_data = not no_data.group(1)
        select_sql = select_sql[: no_data.start()]
    select_sql = select_sql.strip()
    if select_sql.startswith("(") and sqltext.closing(select_sql, 0) == len(select_sql) - 1:
        select_sql = select_sql[1:-1]
    for unsupported in ("bucketed_by", "bucket_count", "table_type", "vacuum_max_snapshot_age_seconds"):
        if unsupported in props and not (unsupported == "table_type" and str(props[unsupported]).upper() == "HIVE"):
            raise QueryFailed("NOT_SUPPORTED", f"CTAS property '{unsupported}' is not supported locally")
    data_format = _FORMATS.get(str(props.get("format", "parquet")).lower())
    if data_format not in ("parquet", "json", "textfile"):
        raise QueryFailed("NOT_SUPPORTED", f"CTAS format '{props.get('format')}' is not supported locally")
    compression = _normalise_compression(
        props.get("write_compression", props.get("parquet_compression", "gzip" if data_format == "parquet" else "")),
        data_format,
    )
    partitioned_by = [str(c) for c in props.get("partitioned_by", [])]  # type: ignore[union-attr]
    location = str(props.get("external_location") or "")
    if not location:
        if not session.output_location:
            raise QueryFailed("INVALID_TABLE_PROPERTY", "No output location for the table's data")
        location = f"{session.output_location.rstrip('/')}/tables/{session.query_id}/"
    location = location if location.endswith("/") else location + "/"

    if not session.catalog.database_exists(database):
        raise QueryFailed("SCHEMA_NOT_FOUND", f"line 1:1: Schema '{database}' does not exist")
    if session.catalog.get_table(database, name) is not None:
        if match.group(1):
            return ResultSet(header=False)
        raise QueryFailed("ALREADY_EXISTS", f"line 1:1: Table 'awsdatacatalog.{database}.{name}' already exists")
    _ensure_empty(session, location, f"table '{database}.{name}'")

    relation = _relation(session, conn, select_sql)
    names = [n.lower() for n in relation.columns]
    types = [hive_type_of(t) for t in relation.types]
    if partitioned_by and names[-len(partitioned_by) :] != partitioned_by:
        raise QueryFailed(
            "HIVE_COLUMN_ORDER_MISMATCH",
            "Partition keys must be the last columns in the table and in the same order as the table "
            f"properties: {partitioned_by}",
        )
    columns = list(zip(names, types, strict=True))
    data_columns = [Column(n, t) for n, t in columns[: len(columns) - len(partitioned_by)]]
    keys = [Column(n, t) for n, t in columns[len(columns) - len(partitioned_by) :]]
    delimiter = str(props.get("field_delimiter", "\x01"))
    parameters = {"has_encrypted_data": "false"}
    if data_format == "parquet":
        parameters["parquet.compression"] = (compression or "uncompressed").upper()
    elif compression:
        parameters["write.compression"] = compression.upper()
    serde_parameters = (
        {"field.delim": delimiter, "serialization.format": delimiter} if data_format == "textfile" else None
    )
    new_table = table_input(
        name,
        data_columns,
        keys,
        location,
        data_format,
        serde=_JSON_SERDE if data_format == "json" else None,
        serde_parameters=serde_parameters,
        parameters=parameters,
    )
    rows, written = 0, []
    if with_data:
        conn.register("__ctas_source", relation)
        select = _output_select("__ctas_source", columns)
        key_names = [k.name for k in keys]
        rows, written = _write(
            session,
            conn,
            select,
            data_format,
            compression,
            key_names,
            delimiter,
            lambda values: location if values is None else partition_folder(location, key_names, values),
        )
    session.check_cancelled()
    session.catalog.create_table(database, new_table)
    table = session.catalog.get_table(database, name)
    assert table is not None
    for values, partition_at in written:
        session.catalog.add_partition(table, values, partition_at)
    return ResultSet(header=False, update_count=rows)


def _write(
    session: Session,
    conn: duckdb.DuckDBPyConnection,
    select: str,
    data_format: str,
    compression: str,
    keys: list[str],
    delimiter: str,
    location_of: Callable[[list[str] | None], str],
) -> tuple[int, list[tuple[list[str], str]]]:
    """Write the rows of ``select`` and upload them; return (rows, [(partition values, location)]).

    ``location_of(None)`` is the folder of an unpartitioned write, ``location_of(values)`` the
    folder of one partition.
    """
    folder = session.scratch / "out"
    shutil.rmtree(folder, ignore_errors=True)
    rows = _copy(conn, select, folder, data_format, compression, keys, session.query_id, delimiter)
    if not rows:
        return 0, []
    if not keys:
        _upload(session, folder, location_of(None))
        return rows, []
    partitions = _written_partitions(folder, keys)
    if len(partitions) > MAX_PARTITIONS_PER_WRITE:  # checked before anything is uploaded, as Athena fails the write
        raise QueryFailed(
            "HIVE_TOO_MANY_OPEN_PARTITIONS",
            f"Exceeded limit of {MAX_PARTITIONS_PER_WRITE} open writers for partitions/buckets",
        )
    written = []
    for values, leaf in partitions:
        location = location_of(values)
        _upload(session, leaf, location)
        written.append((values, location))
    return rows, written


def _insert(session: Session, conn: duckdb.DuckDBPyConnection, sql: str, match: re.Match[str]) -> ResultSet:
    table = session.require_table(match.group(1))
    rest = sql[match.end() :]
    target = [c.name for c in table.columns + table.partition_keys]
    chosen = target
    if rest.startswith("("):
        close_at = sqltext.closing(rest, 0)
        inner = rest[1:close_at]
        if not re.match(r"^\s*(SELECT|WITH|VALUES)\b", inner, re.I):
            chosen = [sqltext.unquote(c).lower() for c in sqltext.split_top(inner)]
            rest = rest[close_at + 1 :]
    unknown = [c for c in chosen if c not in target]
    if unknown:
        raise QueryFailed(
            "COLUMN_NOT_FOUND", f"line 1:1: Insert column name does not exist in target table: {unknown[0]}"
        )
    data_format = table.data_format
    if data_format == "text":
        data_format = "textfile"
    if data_format not in ("parquet", "json", "textfile"):
        raise QueryFailed("NOT_SUPPORTED", f"INSERT INTO a {data_format.upper()} table is not supported locally")
    relation = _relation(session, conn, rest.strip())
    if len(relation.columns) != len(chosen):
        raise QueryFailed(
            "TYPE_MISMATCH",
            f"line 1:1: Insert query has {len(relation.columns)} columns, target table has {len(chosen)}",
        )
    conn.register("__insert_source", relation)
    sources = {name: ident(src) for name, src in zip(chosen, relation.columns, strict=True)}
    columns = [(c.name, c.type) for c in table.columns + table.partition_keys]
    aligned = ", ".join(f"{sources.get(name, 'NULL')} AS {ident(name)}" for name, _ in columns)
    conn.execute(f"CREATE OR REPLACE TEMP VIEW __insert_aligned AS SELECT {aligned} FROM __insert_source")
    params = table.parameters
    compression = _normalise_compression(
        params.get(
            "parquet.compression", params.get("write.compression", "snappy" if data_format == "parquet" else "")
        ),
        data_format,
    )
    keys = [k.name for k in table.partition_keys]
    delimiter = table.serde_parameters.get("field.delim", "\x01")
    existing = {tuple(p.values): p.location for p in session.catalog.partitions(table)} if keys else {}
    rows, written = _write(
        session,
        conn,
        _output_select("__insert_aligned", columns),
        data_format,
        compression,
        keys,
        delimiter,
        lambda values: (
            table.location if values is None else existing.get(tuple(values)) or partition_location(table, values)
        ),
    )
    for values, location in written:
        if tuple(values) not in existing:
            session.catalog.add_partition(table, values, location)
    return ResultSet(header=False, update_count=rows)


def _unload(session: Session, conn: duckdb.DuckDBPyConnection, sql: str) -> ResultSet:
    close_at = sqltext.closing(sql, sql.index("("))
    select_sql = sql[sql.index("(") + 1 : close_at]
    rest = sql[close_at + 1 :]
    location = sqltext.string_after(rest, r"^\s*TO")
    if not location:
        raise QueryFailed("SYNTAX_ERROR", "line 1:1: UNLOAD needs TO 's3://...'")
    location = location if location.endswith("/") else location + "/"
    props: dict[str, object] = {}
    if found := sqltext.paren_after(rest, r"\bWITH"):
        props = _with_properties(found[0])
    data_format = _FORMATS.get(str(props.get("format", "textfile")).lower())
    if data_format not in ("parquet", "json", "textfile"):
        raise QueryFailed("NOT_SUPPORTED", f"UNLOAD format '{props.get('format')}' is not supported locally")
    compression = _normalise_compression(props.get("compression", "gzip"), data_format)
    partitioned_by = [str(c) for c in props.get("partitioned_by", [])]  # type: ignore[union-attr]
    _ensure_empty(session, location, "UNLOAD")
    relation = _relation(session, conn, select_sql)
    conn.register("__unload_source", relation)
    columns = [(n.lower(), hive_type_of(t)) for n, t in zip(relation.columns, relation.types, strict=True)]
    delimiter = str(props.get("field_delimiter", "\x01"))
    rows, _ = _write(
        session,
        conn,
        _output_select("__unload_source", columns),
        data_format,
        compression,
        partitioned_by,
        delimiter,
        lambda values: location if values is None else partition_folder(location, partitioned_by, values),
    )
    return ResultSet(header=False, update_count=rows)

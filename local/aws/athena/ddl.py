"""Hive DDL and utility statements: databases, external tables, partitions, SHOW PARTITIONS.

As on Athena, DROP TABLE and ALTER TABLE DROP PARTITION change only the catalog: the data in S3
stays where it is.
"""

from __future__ import annotations

import re
from urllib.parse import unquote as url_unquote

from local.aws.athena import sqltext
from local.aws.athena.catalog import Column, Table, table_input
from local.aws.athena.errors import QueryFailed
from local.aws.athena.results import ResultSet
from local.aws.athena.scan import list_objects, partition_location
from local.aws.athena.session import Session
from local.aws.athena.types import duckdb_type
from local.aws.hive.formats import FORMATS
from local.aws.s3.files import split_uri

NAME = r"((?:[`\"]?[\w-]+[`\"]?\.){0,2}[`\"]?[\w-]+[`\"]?)"
_CREATE_DB = re.compile(rf"^CREATE\s+(?:DATABASE|SCHEMA)\s+(IF\s+NOT\s+EXISTS\s+)?{NAME}", re.I)
_DROP_DB = re.compile(rf"^DROP\s+(?:DATABASE|SCHEMA)\s+(IF\s+EXISTS\s+)?{NAME}(\s+CASCADE)?", re.I)
_CREATE_EXTERNAL = re.compile(rf"^CREATE\s+(EXTERNAL\s+)?TABLE\s+(IF\s+NOT\s+EXISTS\s+)?{NAME}\s*\(", re.I)
_DROP_TABLE = re.compile(rf"^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?{NAME}\s*$", re.I)
_ALTER_PARTITIONS = re.compile(rf"^ALTER\s+TABLE\s+{NAME}\s+(ADD|DROP)\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?", re.I)
_MSCK = re.compile(rf"^MSCK\s+REPAIR\s+TABLE\s+{NAME}\s*$", re.I)
_SHOW_PARTITIONS = re.compile(rf"^SHOW\s+PARTITIONS\s+{NAME}\s*$", re.I)
_SHOW_DATABASES = re.compile(r"^SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+(?:LIKE\s+)?'([^']*)')?\s*$", re.I)
_SHOW_TABLES = re.compile(rf"^SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+{NAME})?(?:\s+(?:LIKE\s+)?'([^']*)')?\s*$", re.I)


def handles(sql: str) -> bool:
    return any(
        p.match(sql)
        for p in (
            _CREATE_DB,
            _DROP_DB,
            _DROP_TABLE,
            _ALTER_PARTITIONS,
            _MSCK,
            _SHOW_PARTITIONS,
            _SHOW_TABLES,
            _SHOW_DATABASES,
        )
    ) or bool(_CREATE_EXTERNAL.match(sql))


def run(session: Session, sql: str) -> ResultSet:
    if m := _CREATE_DB.match(sql):
        return _create_database(session, sql, m)
    if m := _DROP_DB.match(sql):
        if not session.catalog.database_exists(m.group(2).strip('`"')):
            if m.group(1):
                return ResultSet(header=False)
            raise QueryFailed("SCHEMA_NOT_FOUND", f"line 1:1: Schema '{m.group(2).lower()}' does not exist")
        session.catalog.drop_database(m.group(2).strip('`"'), cascade=bool(m.group(3)))
        return ResultSet(header=False)
    if m := _CREATE_EXTERNAL.match(sql):
        return _create_external_table(session, sql, m)
    if m := _DROP_TABLE.match(sql):
        return _drop_table(session, m.group(2), if_exists=bool(m.group(1)))
    if m := _ALTER_PARTITIONS.match(sql):
        table = session.require_table(m.group(1))
        specs = _partition_specs(table, sql[m.end() :])
        if m.group(2).upper() == "ADD":
            return _add_partitions(session, table, specs, if_not_exists=bool(m.group(3)))
        return _drop_partitions(session, table, specs, if_exists=bool(m.group(3)))
    if m := _MSCK.match(sql):
        return _repair(session, session.require_table(m.group(1)))
    if m := _SHOW_PARTITIONS.match(sql):
        table = session.require_table(m.group(1))
        if not table.partition_keys:
            raise QueryFailed("NOT_SUPPORTED", f"Table {table.name} is not partitioned")
        names = sorted(_partition_name(table, p.values) for p in session.catalog.partitions(table))
        return ResultSet(columns=[("partition", "varchar")], rows=[(n,) for n in names], header=False)
    if m := _SHOW_TABLES.match(sql):
        database = (m.group(1) or session.database).strip('`"').lower()
        tables = session.catalog.glue.get_database(database).tables
        return ResultSet(columns=[("tab_name", "varchar")], rows=_matching(tables, m.group(2)), header=False)
    if m := _SHOW_DATABASES.match(sql):
        return ResultSet(
            columns=[("database_name", "varchar")],
            rows=_matching(session.catalog.glue.databases, m.group(1)),
            header=False,
        )
    raise QueryFailed("NOT_SUPPORTED", "Statement is not supported by the local Athena")


def _matching(names: object, pattern: str | None) -> list[tuple[str | None, ...]]:
    """Sorted names, filtered by an Athena SHOW pattern (``*`` any characters, ``|`` alternatives)."""
    found = sorted(str(n) for n in names)  # type: ignore[attr-defined]
    if pattern:
        regex = re.compile("^(?:" + pattern.replace("*", ".*") + ")$", re.I)
        found = [n for n in found if regex.match(n)]
    return [(n,) for n in found]


def _create_database(session: Session, sql: str, m: re.Match[str]) -> ResultSet:
    name = m.group(2).strip('`"').lower()
    created = session.catalog.create_database(
        name,
        description=sqltext.string_after(sql, r"\bCOMMENT") or "",
        location=sqltext.string_after(sql, r"\bLOCATION"),
    )
    if not created and not m.group(1):
        raise QueryFailed("ALREADY_EXISTS", f"Database {name} already exists")
    return ResultSet(header=False)


def _columns(text: str) -> list[Column]:
    columns = []
    for item in sqltext.split_top(text):
        masked = sqltext.mask(item)
        comment_at = re.search(r"\s+COMMENT\s+'", masked, re.I)
        definition = item[: comment_at.start()] if comment_at else item
        name, _, hive_type = definition.strip().partition(" ")
        hive_type = re.sub(r"\s+", "", hive_type).lower()
        if not hive_type:
            raise QueryFailed("SYNTAX_ERROR", f"line 1:1: column '{name}' has no type")
        duckdb_type(hive_type)  # fails early on a type the local engine cannot read
        columns.append(Column(sqltext.unquote(name).lower(), hive_type))
    return columns


def _create_external_table(session: Session, sql: str, m: re.Match[str]) -> ResultSet:
    if not m.group(1):
        raise QueryFailed(
            "NOT_SUPPORTED",
            "Only EXTERNAL tables (or CREATE TABLE AS / Iceberg tables) can be created; "
            "Iceberg tables are not supported locally",
        )
    database, name = session.split_name(m.group(3))
    open_at = m.end() - 1
    close_at = sqltext.closing(sql, open_at)
    columns = _columns(sql[open_at + 1 : close_at])
    rest = sql[close_at + 1 :]
    masked = sqltext.mask(rest)
    if re.search(r"\bCLUSTERED\s+BY\b", masked, re.I):
        raise QueryFailed("NOT_SUPPORTED", "Bucketed tables (CLUSTERED BY) are not supported locally")
    partition_keys: list[Column] = []
    if found := sqltext.paren_after(rest, r"\bPARTITIONED\s+BY"):
        partition_keys = _columns(found[0])
    serde, serde_parameters, data_format = None, None, "textfile"
    if serde_match := re.search(r"\bROW\s+FORMAT\s+SERDE\s+'", masked, re.I):
        serde = sqltext.string_after(rest[serde_match.start() :], r"\bSERDE")
        if found := sqltext.paren_after(rest, r"\bWITH\s+SERDEPROPERTIES"):
            serde_parameters = sqltext.properties(found[0])
        data_format = "json" if serde and "json" in serde.lower() else "textfile"
    elif re.search(r"\bROW\s+FORMAT\s+DELIMITED\b", masked, re.I):
        serde_parameters = {}
        for key, pattern in (
            ("field.delim", r"\bFIELDS\s+TERMINATED\s+BY"),
            ("escape.delim", r"\bESCAPED\s+BY"),
            ("collection.delim", r"\bCOLLECTION\s+ITEMS\s+TERMINATED\s+BY"),
            ("mapkey.delim", r"\bMAP\s+KEYS\s+TERMINATED\s+BY"),
            ("line.delim", r"\bLINES\s+TERMINATED\s+BY"),
            ("serialization.null.format", r"\bNULL\s+DEFINED\s+AS"),
        ):
            if (value := sqltext.string_after(rest, pattern)) is not None:
                serde_parameters[key] = value
        if "field.delim" in serde_parameters:
            serde_parameters["serialization.format"] = serde_parameters["field.delim"]
    input_format = sqltext.string_after(rest, r"\bSTORED\s+AS\s+INPUTFORMAT")
    output_format = sqltext.string_after(rest, r"\bOUTPUTFORMAT")
    if stored := re.search(r"\bSTORED\s+AS\s+(\w+)", masked, re.I):
        kind = stored.group(1).lower()
        if kind not in ("inputformat",):
            if kind not in FORMATS:
                raise QueryFailed("NOT_SUPPORTED", f"STORED AS {kind.upper()} is not supported locally")
            data_format = kind
            if serde is None:
                serde = FORMATS[kind].serde
    location = sqltext.string_after(rest, r"\bLOCATION")
    if not location:
        raise QueryFailed("SYNTAX_ERROR", "line 1:1: External tables must have a LOCATION")
    if not location.startswith("s3://"):
        raise QueryFailed("INVALID_TABLE_PROPERTY", f"External location must be an s3:// URI: {location}")
    parameters = {}
    if found := sqltext.paren_after(rest, r"\bTBLPROPERTIES"):
        parameters = sqltext.properties(found[0])
    if not session.catalog.database_exists(database):
        raise QueryFailed("SCHEMA_NOT_FOUND", f"line 1:1: Schema '{database}' does not exist")
    if session.catalog.get_table(database, name) is not None:
        if m.group(2):
            return ResultSet(header=False)
        raise QueryFailed("ALREADY_EXISTS", f"Table {database}.{name} already exists")
    session.catalog.create_table(
        database,
        table_input(
            name,
            columns,
            partition_keys,
            location,
            data_format,
            serde=serde,
            serde_parameters=serde_parameters,
            input_format=input_format,
            output_format=output_format,
            parameters=parameters,
        ),
    )
    return ResultSet(header=False)


def _drop_table(session: Session, name: str, if_exists: bool) -> ResultSet:
    database, table_name = session.split_name(name)
    if session.catalog.get_table(database, table_name) is None:
        if if_exists:
            return ResultSet(header=False)
        raise QueryFailed("TABLE_NOT_FOUND", f"line 1:1: Table 'awsdatacatalog.{database}.{table_name}' does not exist")
    session.catalog.drop_table(database, table_name)
    return ResultSet(header=False)


def _partition_specs(table: Table, text: str) -> list[tuple[list[str], str | None]]:
    """``PARTITION (k='v') LOCATION '...' PARTITION (...)`` -> [(values in key order, location)]."""
    specs = []
    masked = sqltext.mask(text)
    for match in re.finditer(r"\bPARTITION\s*\(", masked, re.I):
        open_at = match.end() - 1
        close_at = sqltext.closing(text, open_at)
        given = {k.lower().strip('`"'): v for k, v in sqltext.properties(text[open_at + 1 : close_at]).items()}
        keys = [k.name for k in table.partition_keys]
        if sorted(given) != sorted(keys):
            raise QueryFailed(
                "HIVE_METASTORE_ERROR",
                f"Partition spec {sorted(given)} does not match the partition keys {keys} of {table.name}",
            )
        tail = text[close_at + 1 :]
        next_partition = re.search(r"\bPARTITION\s*\(", sqltext.mask(tail), re.I)
        segment = tail[: next_partition.start()] if next_partition else tail
        specs.append(([given[k] for k in keys], sqltext.string_after(segment, r"^\s*LOCATION")))
    if not specs:
        raise QueryFailed("SYNTAX_ERROR", "line 1:1: expected PARTITION (...)")
    return specs


def _partition_name(table: Table, values: list[str]) -> str:
    return "/".join(f"{k.name}={v}" for k, v in zip(table.partition_keys, values, strict=False))


def _add_partitions(
    session: Session, table: Table, specs: list[tuple[list[str], str | None]], if_not_exists: bool
) -> ResultSet:
    for values, location in specs:
        added = session.catalog.add_partition(table, values, location or partition_location(table, values))
        if not added and not if_not_exists:
            raise QueryFailed("ALREADY_EXISTS", f"Partition already exists: {_partition_name(table, values)}")
    return ResultSet(header=False)


def _drop_partitions(
    session: Session, table: Table, specs: list[tuple[list[str], str | None]], if_exists: bool
) -> ResultSet:
    for values, _ in specs:
        if not session.catalog.drop_partition(table, values) and not if_exists:
            raise QueryFailed("HIVE_METASTORE_ERROR", f"Partition not found: {_partition_name(table, values)}")
    return ResultSet(header=False)


def _repair(session: Session, table: Table) -> ResultSet:
    """Add every ``k=v/...`` folder under the table location that the catalog does not know yet."""
    if not table.partition_keys:
        return ResultSet(header=False)
    bucket, prefix = split_uri(table.location)
    prefix = prefix if prefix.endswith("/") or not prefix else prefix + "/"
    keys = [k.name for k in table.partition_keys]
    known = {tuple(p.values) for p in session.catalog.partitions(table)}
    found: dict[tuple[str, ...], str] = {}
    for obj in list_objects(session.s3, table.location):
        folders = obj.key[len(prefix) :].split("/")[:-1]
        if len(folders) < len(keys):
            continue
        values = []
        for key, folder in zip(keys, folders, strict=False):
            name, eq, value = folder.partition("=")
            if not eq or name.lower() != key:
                break
            values.append(url_unquote(value))
        if len(values) == len(keys):
            found.setdefault(tuple(values), f"s3://{bucket}/{prefix}{'/'.join(folders[: len(keys)])}/")
    missing = sorted(v for v in found if v not in known)
    lines: list[tuple[str | None, ...]] = []
    if missing:
        names = "\t".join(f"{table.name}:{_partition_name(table, list(v))}" for v in missing)
        lines.append((f"Partitions not in metastore:\t{names}",))
    for values in missing:
        session.catalog.add_partition(table, list(values), found[values])
        lines.append((f"Repair: Added partition to metastore {table.name}:{_partition_name(table, list(values))}",))
    return ResultSet(columns=[("result", "varchar")], rows=lines, header=False)

"""SELECT on DuckDB: catalog tables become views over their (pruned) files, then the translated query runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import duckdb
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.schema import MappingSchema

from local.aws.athena import decimals, translate
from local.aws.athena.errors import QueryFailed, from_duckdb
from local.aws.athena.results import ResultSet
from local.aws.athena.scan import build_scan
from local.aws.athena.session import Session
from local.aws.athena.types import athena_type, duckdb_type, result_texter

log = logging.getLogger(__name__)
_databases: dict[tuple[str, ...], duckdb.DuckDBPyConnection] = {}
_database_lock = threading.Lock()


def connect(readable: Sequence[Path]) -> duckdb.DuckDBPyConnection:
    """A cursor of an in-memory DuckDB that computes as Trino does where they differ, and that may
    touch files only under ``readable`` (the S3 mirror and the query scratch folder): no
    statement reads, lists or writes any other host file, whatever its SQL says.

    One database per set of folders (one per local AWS), opened once: opening costs ~15 ms, a
    cursor well under 1 ms; temporary views and registered relations stay private to a cursor.
    """
    key = tuple(sorted(f"{Path(folder).resolve()}/" for folder in readable))
    with _database_lock:
        database = _databases.get(key)
        if database is None:
            database = duckdb.connect(config={"threads": 2})
            database.execute(
                "SET GLOBAL integer_division = true; SET GLOBAL TimeZone = 'UTC'; "
                "SET GLOBAL default_null_order = 'nulls_last'"
            )
            database.execute("SET GLOBAL temp_directory = $spill", {"spill": f"{key[-1]}duckdb-spill"})
            database.execute("SET GLOBAL allowed_directories = $folders", {"folders": list(key)})
            database.execute("SET GLOBAL enable_external_access = false")  # cannot be turned back on
            _databases[key] = database
        return database.cursor()


def prepare(session: Session, conn: duckdb.DuckDBPyConnection, tree: exp.Expression, sql: str) -> str:
    """DuckDB SQL for a Trino query tree: each table read becomes a view over only the files it needs."""
    typed: dict[str, set[str]] = {}
    views: dict[str, dict[str, str]] = {}
    for number, ref in enumerate(translate.table_refs(tree, sql, session.database)):
        if not session.catalog.database_exists(ref.database):
            raise QueryFailed("SCHEMA_NOT_FOUND", f"{ref.position}: Schema '{ref.database}' does not exist")
        table = session.catalog.get_table(ref.database, ref.name)
        if table is None:
            raise QueryFailed(
                "TABLE_NOT_FOUND", f"{ref.position}: Table 'awsdatacatalog.{ref.database}.{ref.name}' does not exist"
            )
        for column in table.columns + table.partition_keys:
            typed.setdefault(column.name, set()).add(column.type.lower())
        scan = build_scan(conn, session.catalog, session.s3, table, ref.predicates)
        session.scanned(scan.bytes_scanned)
        view = f"__athena_scan_{number}"
        try:  # binding the view samples the files, so bad data can fail here already
            conn.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {scan.sql}")
        except duckdb.Error as err:
            raise from_duckdb(err, sql) from None
        translate.replace_table(ref, view)
        views[view] = {c.name: duckdb_type(c.type) for c in table.columns + table.partition_keys}
        session.check_cancelled()
    translate.name_columns(tree)
    tree = _with_trino_decimals(tree, views)
    date_columns = {name for name, types in typed.items() if types == {"date"}}
    map_columns = {name for name, types in typed.items() if all(t.startswith("map<") for t in types)}
    return translate.to_duckdb(tree, date_columns, map_columns)


def _with_trino_decimals(tree: exp.Expression, views: dict[str, dict[str, str]]) -> exp.Expression:
    try:
        return decimals.apply(tree.copy(), MappingSchema(views, dialect="duckdb"))
    except SqlglotError:
        # sqlglot could not type this query shape: run it as written (see docs/local-athena.md).
        log.warning("DECIMAL typing skipped for a query sqlglot cannot qualify", exc_info=True)
        return tree


def execute(conn: duckdb.DuckDBPyConnection, duck_sql: str, original: str) -> duckdb.DuckDBPyRelation:
    try:
        return conn.sql(duck_sql)
    except duckdb.Error as err:
        raise from_duckdb(err, original) from None


def run_select(session: Session, conn: duckdb.DuckDBPyConnection, tree: exp.Expression, sql: str) -> ResultSet:
    duck_sql = prepare(session, conn, tree, sql)
    relation = execute(conn, duck_sql, sql)
    try:
        types = [athena_type(str(t)) for t in relation.types]
        names = list(relation.columns)
        rows = relation.fetchall()
    except duckdb.Error as err:
        raise from_duckdb(err, sql) from None
    texters = [result_texter(t) for t in types]
    rendered = [tuple(f(v) for f, v in zip(texters, row, strict=True)) for row in rows]
    return ResultSet(columns=list(zip(names, types, strict=True)), rows=rendered, header=True)

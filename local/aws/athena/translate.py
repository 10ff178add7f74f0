"""Trino (Athena engine v3) SQL -> DuckDB SQL with sqlglot.

Table references are swapped for DuckDB views that ``scan`` builds, and the WHERE conjuncts
that compare a table's columns with literals are handed to ``scan`` for partition pruning.
Where DuckDB would compute a different answer for the same text, the tree is rewritten or the
query fails with NOT_SUPPORTED naming the construct.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import ErrorLevel, exp
from sqlglot.errors import ParseError, UnsupportedError

from local.aws.athena.errors import QueryFailed, line_col
from local.aws.athena.scan import Predicate

DIALECT = "trino"


@dataclass
class TableRef:
    node: exp.Table
    database: str
    name: str
    position: str
    predicates: list[Predicate] = field(default_factory=list)


def parse(sql: str) -> exp.Expression:
    """Parse one Trino statement; a syntax error fails like Trino's."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except ParseError as err:
        first = err.errors[0] if err.errors else {}
        near = first.get("highlight") or ""
        col = max(1, int(first.get("col", 1)) - len(near) + 1)
        desc = str(first.get("description", err)).split(". Line")[0]
        raise QueryFailed("SYNTAX_ERROR", f"line {first.get('line', 1)}:{col}: {desc} at '{near}'") from None
    if len(statements) != 1:
        raise QueryFailed("SYNTAX_ERROR", "line 1:1: Only one sql statement is allowed")
    _reject_engine_functions(statements[0], sql)
    return statements[0]


# DuckDB functions that read, list or describe files, settings or the environment of the host.
# Trino has none of them, so Athena answers as for any unknown function; the DuckDB database
# also refuses every path outside the S3 mirror (query.connect), whatever gets past this.
_ENGINE_FUNCTION = re.compile(
    r"^(read_\w+|glob|sniff_csv|parquet_\w+|iceberg_\w+|delta_scan|getenv|current_setting|duckdb_\w+|pragma_\w+|"
    r"which_secret|query|query_table|load_\w+|install_\w+)$",
    re.I,
)


def _reject_engine_functions(tree: exp.Expression, sql: str) -> None:
    for node in tree.find_all(exp.Func):
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        if isinstance(name, str) and _ENGINE_FUNCTION.match(name):
            where = sql.lower().find(name.lower())
            raise QueryFailed(
                "FUNCTION_NOT_FOUND", f"{line_col(sql, max(where, 0))}: Function '{name.lower()}' not registered"
            )


def _start(node: exp.Expression) -> int:
    for part in ("catalog", "db", "this"):
        child = node.args.get(part)
        if isinstance(child, exp.Identifier) and "start" in child.meta:
            return int(child.meta["start"])
    return 0


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def table_refs(tree: exp.Expression, sql: str, default_db: str) -> list[TableRef]:
    """Every catalog table the statement reads, with its predicates for pruning."""
    ctes = _cte_names(tree)
    refs = []
    for node in tree.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue  # table functions such as UNNEST
        name = node.name.lower()
        if not node.db and name in ctes:
            continue
        catalog = (node.catalog or "awsdatacatalog").lower()
        if catalog != "awsdatacatalog":
            raise QueryFailed("NOT_SUPPORTED", f"Catalog '{catalog}' is not supported locally (only AwsDataCatalog)")
        database = (node.db or default_db).lower()
        if database == "information_schema":
            raise QueryFailed("NOT_SUPPORTED", "information_schema is not supported locally")
        refs.append(TableRef(node, database, name, line_col(sql, _start(node)), _predicates(node)))
    return refs


def _sources(select: exp.Select) -> list[exp.Expression]:
    found = []
    from_ = select.args.get("from") or select.args.get("from_")
    if from_ is not None:
        found.append(from_.this)
    for join in select.args.get("joins") or []:
        found.append(join.this)
    return found


def _literal(node: exp.Expression) -> tuple[bool, Any]:
    if isinstance(node, exp.Literal):
        if node.is_string:
            return True, node.this
        text = node.this
        return True, float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        ok, value = _literal(node.this)
        return ok, -value
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
        if node.to.this == exp.DataType.Type.DATE:
            try:
                return True, dt.date.fromisoformat(node.this.this)
            except ValueError:
                return False, None
        if node.to.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT):
            return True, node.this.this
    return False, None


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
_COMPARISONS = {exp.EQ: "=", exp.NEQ: "!=", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}


def _predicates(node: exp.Table) -> list[Predicate]:
    """Conjuncts of the enclosing SELECT's WHERE that compare this table's columns with literals."""
    select = node.parent.parent if node.parent is not None else None
    if not isinstance(select, exp.Select) or not isinstance(node.parent, exp.From | exp.Join):
        return []
    where = select.args.get("where")
    if where is None:
        return []
    alias = node.alias_or_name.lower()
    only_source = len(_sources(select)) == 1

    def column_of(expr: exp.Expression) -> str | None:
        if not isinstance(expr, exp.Column):
            return None
        qualifier = expr.table.lower()
        if (qualifier and qualifier == alias) or (not qualifier and only_source):
            return expr.name.lower()
        return None

    found = []
    for conj in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        op = _COMPARISONS.get(type(conj))
        if op:
            left, right = conj.this, conj.expression
            if column_of(right) and not column_of(left):
                left, right, op = right, left, _FLIP[op]
            column = column_of(left)
            ok, value = _literal(right)
            if column and ok:
                found.append(Predicate(column, op, (value,)))
        elif isinstance(conj, exp.In) and not conj.args.get("query") and (column := column_of(conj.this)):
            values = [_literal(v) for v in conj.expressions]
            if values and all(ok for ok, _ in values):
                found.append(Predicate(column, "in", tuple(v for _, v in values)))
        elif isinstance(conj, exp.Between) and (column := column_of(conj.this)):
            low, high = _literal(conj.args["low"]), _literal(conj.args["high"])
            if low[0] and high[0]:
                found += [Predicate(column, ">=", (low[1],)), Predicate(column, "<=", (high[1],))]
    return found


def _date_diff_as_complete_units(node: exp.Expression) -> exp.Expression:
    """Trino's date_diff counts whole units; DuckDB's date_diff counts boundaries, date_sub whole units."""
    if isinstance(node, exp.DateDiff):
        unit = node.args.get("unit")
        unit_name = unit.name if unit is not None else "day"
        return exp.Anonymous(
            this="date_sub", expressions=[exp.Literal.string(unit_name.lower()), node.expression, node.this]
        )
    return node


def _is_date(node: exp.Expression, date_columns: set[str]) -> bool:
    """Whether an expression is surely of type DATE (literals, date(), CAST AS DATE, DATE columns)."""
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.this == exp.DataType.Type.DATE
    if isinstance(node, exp.Date | exp.CurrentDate | exp.DateFromParts | exp.StrToDate | exp.LastDay):
        return True
    if isinstance(node, exp.Column):
        return node.name.lower() in date_columns
    return False


def _date_trunc_keeps_dates(date_columns: set[str]):
    """Trino's date_trunc / date_add of a DATE is a DATE; DuckDB's is a TIMESTAMP."""
    kinds = exp.TimestampTrunc | exp.DateTrunc | exp.DateAdd | exp.DateSub

    def transform(node: exp.Expression) -> exp.Expression:
        if (
            isinstance(node, exp.Add | exp.Sub)
            and isinstance(node.expression, exp.Interval)
            and node.expression.text("unit").upper() in ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
            and _is_date(node.this, date_columns)
        ):
            return exp.Cast(this=node.copy(), to=exp.DataType.build("DATE"))
        if isinstance(node, kinds) and _is_date(node.this, date_columns):
            return exp.Cast(this=node.copy(), to=exp.DataType.build("DATE"))
        return node

    return transform


def _trino_functions(node: exp.Expression) -> exp.Expression:
    """Functions whose DuckDB namesake means something else."""
    if isinstance(node, exp.RegexpExtract):  # no match: Trino NULL, DuckDB ''
        matches = exp.Anonymous(this="regexp_matches", expressions=[node.this.copy(), node.expression.copy()])
        return exp.If(this=matches, true=node.copy())
    if isinstance(node, exp.SplitPart):  # past the last field: Trino NULL, DuckDB ''
        fields = exp.Anonymous(
            this="len",
            expressions=[
                exp.Anonymous(this="string_split", expressions=[node.this.copy(), node.args["delimiter"].copy()])
            ],
        )
        in_range = exp.LTE(this=node.args["part_index"].copy(), expression=fields)
        return exp.If(this=in_range, true=node.copy())
    if isinstance(node, exp.JSONExtractScalar | exp.JSONExtract):
        # Trino: NULL for text that is not JSON (DuckDB raises), and json_extract_scalar is NULL
        # for an object or array (DuckDB returns its text). The document is parsed once per call:
        # the value is extracted, then judged and unquoted (DuckDB shares the repeated subexpression).
        value = exp.Anonymous(
            this="TRY", expressions=[exp.JSONExtract(this=node.this.copy(), expression=node.expression.copy())]
        )
        if isinstance(node, exp.JSONExtract):
            return value
        kind = exp.Anonymous(this="json_type", expressions=[value.copy()])
        scalar = exp.Not(this=kind.isin(exp.Literal.string("OBJECT"), exp.Literal.string("ARRAY")))
        text = exp.Anonymous(this="json_extract_string", expressions=[value, exp.Literal.string("$")])
        return exp.If(this=scalar, true=text)
    if isinstance(node, exp.Format):  # Trino format() is Java's printf-style, DuckDB's format() is fmt's {}
        return exp.Anonymous(this="printf", expressions=[node.this, *node.expressions])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "at_timezone" and len(node.expressions) == 2:
        # Wall-clock time in the zone; the instant is read as UTC (Athena's session zone) first.
        value, zone = node.expressions
        as_instant = exp.Cast(this=value, to=exp.DataType.build("TIMESTAMPTZ"))
        return exp.Anonymous(this="timezone", expressions=[zone, as_instant])
    if isinstance(node, exp.AtTimeZone):
        as_instant = exp.Cast(this=node.this, to=exp.DataType.build("TIMESTAMPTZ"))
        return exp.Anonymous(this="timezone", expressions=[node.args["zone"], as_instant])
    return node


def _unnest_maps(map_columns: set[str]):
    """Trino's ``UNNEST(a_map) AS t (key, value)``: a row per entry. DuckDB unnests a map's keys
    and values side by side, in a subquery on the row (DuckDB joins it laterally)."""

    def transform(node: exp.Expression) -> exp.Expression:
        alias = node.args.get("alias") if isinstance(node, exp.Unnest) else None
        if not (alias and len(node.expressions) == 1 and len(alias.columns) == 2):
            return node
        column = node.expressions[0]
        if not (isinstance(column, exp.Column) and column.name in map_columns):
            return node
        key, value = alias.columns
        entries = exp.select(
            exp.alias_(exp.Unnest(expressions=[exp.Anonymous(this="map_keys", expressions=[column.copy()])]), key),
            exp.alias_(exp.Unnest(expressions=[exp.Anonymous(this="map_values", expressions=[column.copy()])]), value),
        )
        return exp.Subquery(this=entries, alias=exp.TableAlias(this=alias.this.copy()))

    return transform


def _outermost_select(tree: exp.Expression) -> exp.Select | None:
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.this
    if isinstance(select, exp.Subquery):
        select = select.unnest()
    return select if isinstance(select, exp.Select) else None


def _reject_zoned_outputs(tree: exp.Expression) -> None:
    """A value converted to another zone prints with that zone in Trino; DuckDB cannot carry it."""
    select = _outermost_select(tree)
    for projection in select.expressions if select else []:
        value = projection.this if isinstance(projection, exp.Alias) else projection
        zoned = isinstance(value, exp.AtTimeZone) or (
            isinstance(value, exp.Anonymous) and value.name.lower() == "at_timezone"
        )
        if zoned:
            raise QueryFailed(
                "NOT_SUPPORTED",
                "at_timezone / AT TIME ZONE as an output column is not supported locally "
                "(use it inside date(), hour(), date_format(), ...)",
            )


_UNSUPPORTED_FUNCTIONS = {"format_datetime", "parse_datetime", "date_parse", "with_timezone"}


def _reject_unsupported(tree: exp.Expression) -> None:
    for node in tree.find_all(exp.Anonymous):
        if node.name.lower() in _UNSUPPORTED_FUNCTIONS:
            raise QueryFailed("NOT_SUPPORTED", f"Function '{node.name.lower()}' is not supported by the local Athena")
    for node in tree.find_all(exp.StrToTime, exp.TimeToStr):
        fmt = node.args.get("format")
        if isinstance(fmt, exp.Literal) and any(t in fmt.this for t in ("yyyy", "dd", "HH", "mm")):
            raise QueryFailed(
                "NOT_SUPPORTED",
                "Joda-style datetime patterns (format_datetime/parse_datetime) are not supported locally",
            )


def name_columns(tree: exp.Expression) -> None:
    """Name unaliased expression columns ``_col<position>`` as Trino does (DuckDB would use the text)."""
    select = _outermost_select(tree)
    if select is None:
        return
    named = []
    for position, projection in enumerate(select.expressions):
        if isinstance(projection, exp.Alias | exp.Column | exp.Star):
            named.append(projection)
        else:
            named.append(exp.alias_(projection, f"_col{position}", quoted=True))
    select.set("expressions", named)


def to_duckdb(tree: exp.Expression, date_columns: set[str] | None = None, map_columns: set[str] | None = None) -> str:
    """The DuckDB text of a (rewritten) Trino tree. DuckDB runs with integer_division on, as Trino.

    ``date_columns`` and ``map_columns`` name the DATE and MAP columns of the tables read (for
    rewrites that depend on type).
    """
    _reject_unsupported(tree)
    _reject_zoned_outputs(tree)
    tree = tree.transform(_date_trunc_keeps_dates(date_columns or set()), copy=False)
    tree = tree.transform(_unnest_maps(map_columns or set()), copy=False)
    tree = tree.transform(_date_diff_as_complete_units, copy=False).transform(_trino_functions, copy=False)
    try:
        return tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        raise QueryFailed("NOT_SUPPORTED", f"Cannot run this construct locally: {err}") from None


def replace_table(ref: TableRef, view: str) -> None:
    alias = ref.node.alias or ref.name
    replacement = exp.Table(this=exp.to_identifier(view))
    replacement.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    ref.node.replace(replacement)

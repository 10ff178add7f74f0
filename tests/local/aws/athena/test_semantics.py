"""SQL whose answer differs between Trino (Athena engine v3) and DuckDB's defaults.

Every expected value is what Trino returns for the same text, rendered as Athena renders it in
GetQueryResults; the local engine must produce exactly that, or fail the query.
"""

from __future__ import annotations

import pytest

from pipelines.settings import SETTINGS
from tests.support.athena import wait_for_query


def run_query(aws, sql: str) -> dict:
    athena = aws.client("athena")
    qid = athena.start_query_execution(QueryString=sql, WorkGroup=SETTINGS.athena_workgroup)["QueryExecutionId"]
    return wait_for_query(aws, qid, 30)


def values(aws, sql: str) -> list[list[str | None]]:
    """Data rows (header dropped) as Athena returns them; fails the test if the query failed."""
    execution = run_query(aws, sql)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"].get("StateChangeReason")
    rows = aws.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"]
    return [[cell.get("VarCharValue") for cell in row["Data"]] for row in rows[1:]]


# (Trino SQL, the single row Trino returns)
SCALARS = [
    # JSON functions answer NULL for text that is not JSON; json_extract_scalar also for an object.
    (
        "SELECT json_extract_scalar('{bad', '$.a'), json_extract_scalar('{\"a\": {\"b\": 1}}', '$.a'), "
        "json_extract_scalar('{\"a\": 1.5}', '$.a'), json_extract_scalar('{\"a\": \"x\"}', '$.a'), "
        "try(json_parse('{bad')), json_extract('[1', '$[0]')",
        [None, None, "1.5", "x", None, None],
    ),
    # Integer division truncates towards zero; decimals and doubles divide exactly.
    ("SELECT 7 / 2, -7 / 2, 7 / 2.0, CAST(7 AS double) / 2, 5 % -3, -5 % 3", ["3", "-3", "3.5", "3.5", "2", "-2"]),
    ("SELECT CAST(7 AS bigint) / CAST(2 AS bigint), avg(x) FROM (VALUES 1, 2) AS t(x)", ["3", "1.5"]),
    # Doubles print like Java's Double.toString.
    ("SELECT CAST(3 AS double), 1e7, 0.5e0, power(2, 10)", ["3.0", "1.0E7", "0.5", "1024.0"]),
    # Decimal division keeps the wider operand's scale; avg of a DECIMAL stays DECIMAL.
    ("SELECT 1234 / 1000.0, 1 / 3.0, 10 / 4.00, 1234 / 1e3", ["1.2", "0.3", "2.50", "1.234"]),
    (
        "SELECT avg(x / 1000.0), avg(CAST(x AS double) / 1000) FROM (VALUES 10000, 10000, 11000) AS t(x)",
        ["10.3", "10.333333333333334"],
    ),
    ("SELECT round(2.5), round(-2.5), truncate(2.7), floor(-1.5)", ["3", "-3", "2", "-2"]),
    # from_unixtime gives a UTC timestamp with time zone; date() of it is the UTC date.
    ("SELECT from_unixtime(1700000000)", ["2023-11-14 22:13:20.000 UTC"]),
    (
        "SELECT date(from_unixtime(1700000000123 / 1000)), CAST(date(from_unixtime(86399)) AS date)",
        ["2023-11-14", "1970-01-01"],
    ),
    ("SELECT date_trunc('hour', from_unixtime(1700000000))", ["2023-11-14 22:00:00.000 UTC"]),
    (
        "SELECT date_trunc('month', DATE '2024-02-20'), date_trunc('day', TIMESTAMP '2024-02-20 10:11:12')",
        ["2024-02-01", "2024-02-20 00:00:00.000"],
    ),
    ("SELECT to_unixtime(TIMESTAMP '2024-01-01 00:00:00')", ["1.7040672E9"]),
    ("SELECT date_format(from_unixtime(1700000000), '%Y-%m-%d %H:%i:%s')", ["2023-11-14 22:13:20"]),
    (
        "SELECT hour(from_unixtime(1700000000)), day_of_week(DATE '2024-01-07'), day_of_year(DATE '2024-02-01')",
        ["22", "7", "32"],
    ),
    (
        "SELECT date_add('day', 1, DATE '2024-02-28'), date_add('hour', -2, TIMESTAMP '2024-01-01 01:00:00')",
        ["2024-02-29", "2023-12-31 23:00:00.000"],
    ),
    # date_diff counts whole units (DuckDB's date_diff would count the hour boundary: 1).
    (
        "SELECT date_diff('hour', TIMESTAMP '2024-01-01 01:59:00', TIMESTAMP '2024-01-01 02:01:00'), date_diff('day', DATE '2024-01-01', DATE '2024-03-01')",
        ["0", "60"],
    ),
    (
        "SELECT hour(at_timezone(from_unixtime(1700000000), 'Europe/Berlin')), date(at_timezone(from_unixtime(1700000000 + 7200), 'Europe/Berlin'))",
        ["23", "2023-11-15"],
    ),
    # Strings
    (
        "SELECT split('a,b,c', ','), split_part('a,b,c', ',', 2), element_at(split('a,b,c', ','), -1)",
        ["[a, b, c]", "b", "c"],
    ),
    (
        "SELECT substr('hello', 2, 3), strpos('hello', 'l'), length('héllo'), lpad('5', 3, '0')",
        ["ell", "3", "5", "005"],
    ),
    ("SELECT concat('a', NULL) IS NULL, concat('a', 'b', 'c'), 'x' || 'y'", ["true", "abc", "xy"]),
    (
        "SELECT regexp_extract('abc123def45', '[0-9]+'), regexp_like('abc', 'b'), regexp_replace('a1b2', '[0-9]', 'X')",
        ["123", "true", "aXbX"],
    ),
    ("SELECT replace('aXbX', 'X'), trim('  x '), upper('abc'), reverse('abc')", ["ab", "x", "ABC", "cba"]),
    # No match / no such field is NULL in Trino (DuckDB alone would return '').
    (
        "SELECT regexp_extract('abc', '[0-9]+'), regexp_extract('a1', '([a-z])([0-9])', 2), split_part('a,b', ',', 5)",
        [None, "1", None],
    ),
    (
        "SELECT DATE '2024-01-31' + INTERVAL '1' DAY, DATE '2024-03-31' - INTERVAL '1' MONTH",
        ["2024-02-01", "2024-02-29"],
    ),
    ("SELECT format('%s-%d', 'a', 3)", ["a-3"]),
    ("SELECT if(1 > 2, 'y', 'n'), coalesce(NULL, 2), nullif(1, 1)", ["n", "2", None]),
    ("SELECT CAST('12' AS integer) + 1, try_cast('x' AS integer), CAST(1.5 AS decimal(10, 2))", ["13", None, "1.50"]),
    ("SELECT ARRAY[1, 2], cardinality(ARRAY[1, 2, 3]), contains(ARRAY[1, 2], 2)", ["[1, 2]", "3", "true"]),
]


@pytest.mark.parametrize(("sql", "expected"), SCALARS, ids=[s for s, _ in SCALARS])
def test_scalar_semantics_match_trino(local_aws, sql, expected):
    assert values(local_aws, sql) == [expected]


def test_nulls_sort_last_in_both_directions_as_in_trino(local_aws):
    data = "(VALUES 1, NULL, 3) AS t(x)"
    assert values(local_aws, f"SELECT x FROM {data} ORDER BY x") == [["1"], ["3"], [None]]
    assert values(local_aws, f"SELECT x FROM {data} ORDER BY x DESC") == [["3"], ["1"], [None]]
    assert values(local_aws, f"SELECT x FROM {data} ORDER BY x DESC NULLS FIRST") == [[None], ["3"], ["1"]]


def test_range_window_with_numeric_offset_uses_values_not_rows(local_aws):
    # ts 0, 300, 600, 1000, 1700: each average covers rows whose ts is within 600 before the current one.
    sql = """
        SELECT ts, avg(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN 600 PRECEDING AND CURRENT ROW),
               lag(v) OVER (PARTITION BY k ORDER BY ts), lag(v, 1, -1) OVER (PARTITION BY k ORDER BY ts)
        FROM (VALUES ('a', 0, 1.0), ('a', 300, 2.0), ('a', 600, 3.0), ('a', 1000, 4.0), ('a', 1700, 5.0))
             AS t(k, ts, v)
        ORDER BY ts
    """
    assert values(local_aws, sql) == [
        ["0", "1.0", None, "-1.0"],
        ["300", "1.5", "1.0", "1.0"],
        ["600", "2.0", "2.0", "2.0"],
        ["1000", "3.5", "3.0", "3.0"],
        ["1700", "5.0", "4.0", "4.0"],
    ]


def test_range_window_with_interval_offset(local_aws):
    sql = """
        SELECT count(*) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW)
        FROM (VALUES TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 00:05:00',
                     TIMESTAMP '2024-01-01 00:10:00', TIMESTAMP '2024-01-01 00:20:01') AS t(ts)
        ORDER BY ts
    """
    assert values(local_aws, sql) == [["1"], ["2"], ["3"], ["1"]]


def test_anti_joins_for_deduplication(local_aws):
    new = "(VALUES 1, 2, 3) AS n(id)"
    old = "(VALUES 2) AS o(id)"
    not_exists = f"SELECT id FROM {new} WHERE NOT EXISTS (SELECT 1 FROM {old} WHERE o.id = n.id) ORDER BY id"
    left_join = f"SELECT n.id FROM {new} LEFT JOIN {old} ON o.id = n.id WHERE o.id IS NULL ORDER BY n.id"
    assert values(local_aws, not_exists) == [["1"], ["3"]]
    assert values(local_aws, left_join) == [["1"], ["3"]]


def test_decimal_results_flow_through_ctes(local_aws):
    sql = """
        WITH gaps AS (SELECT k, ms / 1000.0 AS seconds FROM (VALUES ('a', 1000), ('a', 1500), ('b', 1234)) AS t(k, ms)),
             per_key AS (SELECT k, avg(seconds) AS avg_seconds FROM gaps GROUP BY k)
        SELECT avg(avg_seconds) FROM per_key
    """
    # gaps: 1.0, 1.5 (a) and 1.2 (b); per key 1.3 (1.25 rounded half up) and 1.2; overall 1.25 -> 1.3.
    assert values(local_aws, sql) == [["1.3"]]


def test_unnamed_columns_are_named_like_trino(local_aws):
    execution = run_query(local_aws, "SELECT 1, 2 AS two, count(*) FROM (VALUES 1) AS t(x)")
    rows = local_aws.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    header = [c["VarCharValue"] for c in rows["ResultSet"]["Rows"][0]["Data"]]
    types = [c["Type"] for c in rows["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    assert header == ["_col0", "two", "_col2"]
    assert types == ["integer", "integer", "bigint"]


@pytest.mark.parametrize(
    ("sql", "reason_start"),
    [
        ("SELECT format_datetime(from_unixtime(0), 'yyyy')", "NOT_SUPPORTED: Function 'format_datetime'"),
        ("SELECT at_timezone(from_unixtime(0), 'Europe/Berlin')", "NOT_SUPPORTED: at_timezone"),
        ("SELECT 1 / 0", "DIVISION_BY_ZERO: Division by zero"),
        ("SELECT codepoint('A')", "FUNCTION_NOT_FOUND: line 1:8: Function 'codepoint' not registered"),
    ],
)
def test_constructs_without_a_faithful_translation_fail_with_a_named_reason(local_aws, sql, reason_start):
    execution = run_query(local_aws, sql)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith(reason_start)

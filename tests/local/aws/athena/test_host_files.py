"""The local Athena never reads, lists or writes a host file: only the S3 objects of tables."""

from __future__ import annotations

import pytest

from local.aws.athena import query
from pipelines.settings import SETTINGS
from tests.support.athena import wait_for_query


def failure(local_aws, sql: str) -> str:
    athena = local_aws.client("athena")
    qid = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": "default"}, WorkGroup=SETTINGS.athena_workgroup
    )["QueryExecutionId"]
    status = wait_for_query(local_aws, qid)["Status"]
    assert status["State"] == "FAILED", sql
    return status["StateChangeReason"]


@pytest.mark.parametrize(
    ("sql", "function"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("SELECT * FROM read_csv_auto('/etc/passwd')", "read_csv_auto"),
        ("SELECT content FROM read_text('/etc/hostname')", "read_text"),
        ("SELECT content FROM read_blob('/etc/hostname')", "read_blob"),
        ("SELECT * FROM read_json('/etc/os-release')", "read_json"),
        ("SELECT * FROM read_parquet('/tmp/x.parquet')", "read_parquet"),
        ("SELECT getenv('HOME')", "getenv"),
        ("SELECT current_setting('allowed_directories')", "current_setting"),
    ],
)
def test_file_and_host_functions_are_unknown_as_on_athena(local_aws, sql, function):
    reason = failure(local_aws, sql)
    assert reason.startswith("FUNCTION_NOT_FOUND: line 1:") and f"Function '{function}' not registered" in reason
    assert "root:" not in reason


def test_writing_results_or_tables_outside_s3_is_refused(local_aws):
    assert "FUNCTION_NOT_FOUND" in failure(
        local_aws, "CREATE TABLE default.leak AS SELECT * FROM read_text('/etc/hostname')"
    )
    reason = failure(local_aws, "COPY (SELECT 1) TO '/tmp/leak.csv'")
    assert reason == "NOT_SUPPORTED: Statement 'COPY (SELECT' is not supported by the local Athena"


def test_the_engines_database_itself_refuses_paths_outside_its_folders(tmp_path):
    """Defence in depth: whatever SQL reaches DuckDB, it cannot open a host file."""
    import duckdb

    allowed = tmp_path / "mirror"
    allowed.mkdir()
    (allowed / "ok.csv").write_text("a\n1\n")
    cursor = query.connect([allowed])
    assert cursor.sql(f"SELECT a FROM read_csv('{allowed / 'ok.csv'}')").fetchall() == [(1,)]
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM glob('/etc/*')"):
        with pytest.raises(duckdb.PermissionException):
            cursor.sql(sql).fetchall()
    with pytest.raises(duckdb.PermissionException):
        cursor.execute(f"COPY (SELECT 1) TO '{tmp_path / 'outside.csv'}'")
    assert not (tmp_path / "outside.csv").exists()

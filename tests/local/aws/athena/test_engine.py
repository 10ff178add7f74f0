"""The Athena API of the local AWS, called with boto3: states, stopping, results, paging, errors."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from pipelines.settings import SETTINGS
from tests.support.athena import wait_for_query

WORKGROUP = SETTINGS.athena_workgroup
LONG_QUERY = (
    "SELECT count(*) FROM UNNEST(sequence(1, 4000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 4000)) AS b(y) "
    "CROSS JOIN UNNEST(sequence(1, 4000)) AS c(z) WHERE x + y + z = 5"
)


def start(aws, sql: str, **kwargs) -> str:
    kwargs.setdefault("WorkGroup", WORKGROUP)
    return aws.client("athena").start_query_execution(QueryString=sql, **kwargs)["QueryExecutionId"]


def wait(aws, qid: str, timeout: float = 30) -> dict:
    return wait_for_query(aws, qid, timeout)


def test_select_succeeds_and_reports_athena_shaped_execution(local_aws):
    qid = start(local_aws, "SELECT 1 AS one, 'a' AS letter", QueryExecutionContext={"Database": "default"})
    execution = wait(local_aws, qid)

    assert execution["Status"]["State"] == "SUCCEEDED"
    assert "StateChangeReason" not in execution["Status"]
    assert execution["StatementType"] == "DML"
    assert execution["WorkGroup"] == WORKGROUP
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{SETTINGS.athena_output_location}{qid}.csv"
    assert execution["Status"]["CompletionDateTime"] >= execution["Status"]["SubmissionDateTime"]
    assert execution["Statistics"]["DataScannedInBytes"] == 0


def test_results_are_written_to_the_output_location_as_athena_csv(local_aws):
    qid = start(
        local_aws,
        "SELECT x, CASE WHEN x = 2 THEN NULL ELSE 'v\"' || CAST(x AS varchar) END AS s "
        "FROM (VALUES 1, 2) AS t(x) ORDER BY x",
    )
    assert wait(local_aws, qid)["Status"]["State"] == "SUCCEEDED"

    s3 = local_aws.client("s3")
    body = s3.get_object(Bucket=SETTINGS.athena_results_bucket, Key=f"results/{qid}.csv")["Body"].read().decode()
    assert body == '"x","s"\n"1","v""1"\n"2",\n'
    metadata = json.loads(
        s3.get_object(Bucket=SETTINGS.athena_results_bucket, Key=f"results/{qid}.csv.metadata")["Body"].read()
    )
    assert [(c["Name"], c["Type"]) for c in metadata["ColumnInfo"]] == [("x", "integer"), ("s", "varchar")]


def test_client_output_location_is_used_when_the_workgroup_has_none(local_aws):
    location = f"s3://{SETTINGS.athena_results_bucket}/adhoc-{uuid.uuid4().hex[:8]}/"
    qid = start(local_aws, "SELECT 42", WorkGroup="primary", ResultConfiguration={"OutputLocation": location})
    execution = wait(local_aws, qid)
    assert execution["ResultConfiguration"]["OutputLocation"] == f"{location}{qid}.csv"
    key = f"{location.split('/', 3)[3]}{qid}.csv"
    body = local_aws.client("s3").get_object(Bucket=SETTINGS.athena_results_bucket, Key=key)["Body"].read()
    assert body == b'"_col0"\n"42"\n'


def test_no_output_location_at_all_is_rejected_like_athena(local_aws):
    with pytest.raises(ClientError) as err:
        local_aws.client("athena").start_query_execution(QueryString="SELECT 1", WorkGroup="primary")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "No output location provided" in err.value.response["Error"]["Message"]


def test_get_query_results_pages_with_header_first(local_aws):
    qid = start(local_aws, "SELECT x FROM UNNEST(sequence(1, 2500)) AS t(x) ORDER BY x")
    assert wait(local_aws, qid)["Status"]["State"] == "SUCCEEDED"
    athena = local_aws.client("athena")

    pages, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = athena.get_query_results(QueryExecutionId=qid, MaxResults=1000, **kwargs)
        pages.append([r["Data"][0]["VarCharValue"] for r in page["ResultSet"]["Rows"]])
        token = page.get("NextToken")
        if not token:
            break

    assert [len(p) for p in pages] == [1000, 1000, 501]
    assert pages[0][:3] == ["x", "1", "2"]
    assert pages[2][-1] == "2500"
    assert [
        p["Data"][0]["VarCharValue"]
        for p in athena.get_paginator("get_query_results")
        .paginate(QueryExecutionId=qid)
        .build_full_result()["ResultSet"]["Rows"]
    ][-1] == "2500"


def test_stop_query_execution_cancels_a_running_query(local_aws):
    athena = local_aws.client("athena")
    qid = start(local_aws, LONG_QUERY)
    deadline = time.monotonic() + 10
    while athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    with pytest.raises(ClientError) as err:
        athena.get_query_results(QueryExecutionId=qid)
    assert "Query has not yet finished. Current state: RUNNING" in err.value.response["Error"]["Message"]

    stopped_at = time.monotonic()
    athena.stop_query_execution(QueryExecutionId=qid)
    execution = wait(local_aws, qid, timeout=10)

    assert execution["Status"]["State"] == "CANCELLED"
    assert execution["Status"]["StateChangeReason"] == "Query was cancelled by user"
    assert time.monotonic() - stopped_at < 5
    # The worker saw the interrupt and ended: a new query runs at once.
    assert wait(local_aws, start(local_aws, "SELECT 1"))["Status"]["State"] == "SUCCEEDED"


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        (
            "SELECT * FROM no_such_table_x",
            "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.pipelines_local_raw.no_such_table_x' does not exist",
        ),
        ("SELECT *\nFROM   nodb_x.t", "SCHEMA_NOT_FOUND: line 2:8: Schema 'nodb_x' does not exist"),
        (
            "SELECT nope FROM (VALUES 1) AS t(x)",
            "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved or requester is not authorized to access requested resources",
        ),
        ("SELEC 1", "SYNTAX_ERROR: line 1:7:"),
        ("DELETE FROM t WHERE x = 1", "NOT_SUPPORTED: Modifying non-Iceberg Hive tables is not supported (DELETE)"),
    ],
)
def test_failures_carry_athena_style_reasons(local_aws, sql, reason):
    qid = start(local_aws, sql, QueryExecutionContext={"Database": SETTINGS.raw_database})
    execution = wait(local_aws, qid)

    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith(reason)
    assert execution["Status"]["AthenaError"]["ErrorMessage"] == execution["Status"]["StateChangeReason"]
    with pytest.raises(ClientError):
        local_aws.client("athena").get_query_results(QueryExecutionId=qid)


def test_batch_get_query_execution_and_unknown_ids(local_aws):
    athena = local_aws.client("athena")
    qid = start(local_aws, "SELECT 1")
    wait(local_aws, qid)
    found = athena.batch_get_query_execution(QueryExecutionIds=[qid, "no-such-id"])
    assert [e["QueryExecutionId"] for e in found["QueryExecutions"]] == [qid]
    assert found["QueryExecutions"][0]["Status"]["State"] == "SUCCEEDED"
    assert [u["QueryExecutionId"] for u in found["UnprocessedQueryExecutionIds"]] == ["no-such-id"]
    with pytest.raises(ClientError) as err:
        athena.get_query_execution(QueryExecutionId="no-such-id")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_execution_parameters_are_bound(local_aws):
    qid = start(local_aws, "SELECT ? + 1, ?", ExecutionParameters=["41", "'it''s'"])
    assert wait(local_aws, qid)["Status"]["State"] == "SUCCEEDED"
    rows = local_aws.client("athena").get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert [c["VarCharValue"] for c in rows[1]["Data"]] == ["42", "it's"]


def test_named_queries_and_workgroups_still_work_as_moto_serves_them(local_aws):
    athena = local_aws.client("athena")
    nq = athena.create_named_query(Name="n", Database="default", QueryString="SELECT 1", WorkGroup=WORKGROUP)
    assert athena.get_named_query(NamedQueryId=nq["NamedQueryId"])["NamedQuery"]["QueryString"] == "SELECT 1"
    assert athena.get_work_group(WorkGroup=WORKGROUP)["WorkGroup"]["Name"] == WORKGROUP

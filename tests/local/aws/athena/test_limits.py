"""Athena's limits, as Athena enforces them: the workgroup's bytes-scanned cutoff stops a query
(and a write) reading more, the query string is at most 262,144 bytes, an enforced workgroup's
result location wins over the caller's. In the second region, with a workgroup of its own."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from tests.support.athena import wait_for_query
from tests.support.regions import Regional

MB = 1024 * 1024


@pytest.fixture(scope="module")
def capped(eu: Regional, bucket: str) -> tuple[Regional, str, str]:
    """A workgroup with Athena's smallest cutoff (10 MB) and an enforced result location, and a
    table of 12 MB of text."""
    name = f"capped-{uuid.uuid4().hex[:8]}"
    eu.client("athena").create_work_group(
        Name=name,
        Configuration={
            "EnforceWorkGroupConfiguration": True,
            "BytesScannedCutoffPerQuery": 10 * MB,
            "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/{name}-results/"},
        },
    )
    line = b"x" * 1023 + b"\n"
    eu.client("s3").put_object(Bucket=bucket, Key=f"{name}/big/part.txt", Body=line * (12 * 1024))  # 12 MB
    eu.client("s3").put_object(Bucket=bucket, Key=f"{name}/small/part.txt", Body=line * 10)
    glue = eu.client("glue")
    glue.create_database(DatabaseInput={"Name": name.replace("-", "_")})
    return eu, name, bucket


def run(eu: Regional, workgroup: str, sql: str, database: str, **extra) -> dict:
    qid = eu.client("athena").start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}, WorkGroup=workgroup, **extra
    )["QueryExecutionId"]
    return wait_for_query(eu, qid, 60)


def test_a_query_over_the_workgroups_cutoff_fails_and_one_under_it_runs(capped):
    eu, name, bucket = capped
    database = name.replace("-", "_")
    for table in ("big", "small"):
        done = run(
            eu, name, f"CREATE EXTERNAL TABLE {table} (line string) LOCATION 's3://{bucket}/{name}/{table}/'", database
        )
        assert done["Status"]["State"] == "SUCCEEDED"
    small = run(eu, name, "SELECT count(*) FROM small", database)
    assert small["Status"]["State"] == "SUCCEEDED"
    big = run(eu, name, "SELECT count(*) FROM big", database)
    assert (big["Status"]["State"], big["Status"]["StateChangeReason"]) == (
        "FAILED",
        "Bytes scanned limit was exceeded",
    )
    assert big["Statistics"]["DataScannedInBytes"] > 10 * MB
    write = run(
        eu,
        name,
        f"CREATE TABLE copy WITH (external_location = 's3://{bucket}/{name}/copy/') AS SELECT * FROM big",
        database,
    )
    assert write["Status"]["StateChangeReason"] == "Bytes scanned limit was exceeded"
    assert "Contents" not in eu.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"{name}/copy/")  # nothing written


def test_an_enforced_workgroup_writes_results_to_its_own_location(capped):
    eu, name, bucket = capped
    done = run(eu, name, "SELECT 1", "default", ResultConfiguration={"OutputLocation": f"s3://{bucket}/elsewhere/"})
    assert (
        done["ResultConfiguration"]["OutputLocation"] == f"s3://{bucket}/{name}-results/{done['QueryExecutionId']}.csv"
    )


def test_a_query_string_longer_than_262144_bytes_is_refused(capped):
    eu, name, _ = capped
    athena = eu.client("athena")
    longest = "SELECT '" + "a" * (262_144 - 9) + "'"
    assert len(longest.encode()) == 262_144
    athena.start_query_execution(QueryString=longest, WorkGroup=name)
    with pytest.raises(ClientError) as refused:
        athena.start_query_execution(QueryString=longest.replace("'a", "'aa", 1), WorkGroup=name)
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert refused.value.response["Error"]["Message"].endswith(
        "at 'queryString' failed to satisfy constraint: Member must have length less than or equal to 262144"
    )

"""The attempt-and-publish mechanism on its own, against the session's local AWS with a database
and a bucket of each test's own: which try is found, what a switch points where, and what is
deleted after it (the DAG tests prove it end to end). Not moto's ``mock_aws``: it resets every
backend of the process, the session's local AWS included."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from pipelines.attempt_layout import attempts_table
from pipelines.partitions import (
    ATTEMPT_PARAMETER,
    Attempt,
    AttemptPartition,
    NoAttemptError,
    attempt_id,
    latest_attempt,
    publish,
    run_key,
    try_number,
)

TABLE = "daily"
ATTEMPTS = attempts_table(TABLE)
RUN = run_key("dag", "scheduled__2020-07-14")


@pytest.fixture
def aws(local_aws) -> Iterator[SimpleNamespace]:
    uid = uuid.uuid4().hex[:8]
    db, bucket = f"partitions_{uid}", f"partitions-{uid}"
    glue, s3 = local_aws.client("glue"), local_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    glue.create_database(DatabaseInput={"Name": db})
    for name, keys in ((TABLE, ["day"]), (ATTEMPTS, ["day", "attempt"])):
        location = f"s3://{bucket}/{name}/"
        glue.create_table(
            DatabaseName=db,
            TableInput={
                "Name": name,
                "StorageDescriptor": {"Columns": [{"Name": "n", "Type": "int"}], "Location": location},
                "PartitionKeys": [{"Name": key, "Type": "string"} for key in keys],
            },
        )
    yield SimpleNamespace(glue=glue, s3=s3, db=db, bucket=bucket)


def write_attempt(aws, day: str, attempt: str) -> str:
    """One try's partition of ``day``: a file at its own location, registered in the attempts table."""
    location = f"s3://{aws.bucket}/{ATTEMPTS}/day={day}/attempt={attempt}/"
    aws.s3.put_object(Bucket=aws.bucket, Key=f"{ATTEMPTS}/day={day}/attempt={attempt}/part-0", Body=b"rows")
    aws.glue.create_partition(
        DatabaseName=aws.db,
        TableName=ATTEMPTS,
        PartitionInput={"Values": [day, attempt], "StorageDescriptor": {"Location": location}},
    )
    return location


def keys(aws) -> list[str]:
    return sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket).get("Contents", []))


def attempt_names(aws) -> list[list[str]]:
    return sorted(p["Values"] for p in aws.glue.get_partitions(DatabaseName=aws.db, TableName=ATTEMPTS)["Partitions"])


def published(aws, day: str) -> tuple[str, str]:
    part = aws.glue.get_partition(DatabaseName=aws.db, TableName=TABLE, PartitionValues=[day])["Partition"]
    return part["StorageDescriptor"]["Location"], part["Parameters"][ATTEMPT_PARAMETER]


def test_names_and_the_attempt_id_macro():
    assert len(RUN) == 12 and RUN == run_key("dag", "scheduled__2020-07-14") != run_key("dag", "manual__x")
    assert try_number(f"{RUN}-12") == 12
    context = {
        "dag": SimpleNamespace(dag_id="dag"),
        "run_id": "scheduled__2020-07-14",
        "ti": SimpleNamespace(try_number=3),
    }
    assert attempt_id(context) == f"{RUN}-3"  # the try that renders it
    attempt = Attempt(f"{RUN}-3", [AttemptPartition(["2020-07-14"], "s3://b/x/")])
    assert Attempt.from_xcom(attempt.to_xcom()) == attempt


def test_the_latest_try_that_wrote_is_found_and_none_is_an_error_only_when_required(aws):
    with pytest.raises(NoAttemptError, match=f"run {RUN} wrote no attempt partition"):
        latest_attempt(aws.glue, aws.db, ATTEMPTS, RUN)
    assert latest_attempt(aws.glue, aws.db, ATTEMPTS, RUN, required=False) == Attempt(f"{RUN}-0", [])
    write_attempt(aws, "2020-07-14", f"{RUN}-1")
    later = write_attempt(aws, "2020-07-14", f"{RUN}-10")  # try 10 sorts after 9, not after 1
    write_attempt(aws, "2020-07-14", f"{RUN}-9")
    write_attempt(aws, "2020-07-14", "otherrun0000-11")  # another run's
    found = latest_attempt(aws.glue, aws.db, ATTEMPTS, RUN)
    assert found == Attempt(f"{RUN}-10", [AttemptPartition(["2020-07-14"], later)])


def test_a_first_publish_creates_the_partition_and_drops_the_runs_other_tries(aws):
    write_attempt(aws, "2020-07-14", f"{RUN}-1")  # a try killed after its INSERT
    location = write_attempt(aws, "2020-07-14", f"{RUN}-2")
    result = publish(aws.glue, aws.s3, aws.db, TABLE, ATTEMPTS, latest_attempt(aws.glue, aws.db, ATTEMPTS, RUN), RUN)

    assert published(aws, "2020-07-14") == (location, f"{RUN}-2")
    assert result["partitions"] == [{"values": ["2020-07-14"], "location": location, "previous_location": None}]
    assert result["attempts_removed"] == [f"{RUN}-1"] and result["files_removed"] == 1
    assert attempt_names(aws) == [["2020-07-14", f"{RUN}-2"]]
    assert keys(aws) == [f"{ATTEMPTS}/day=2020-07-14/attempt={RUN}-2/part-0"]


def test_a_rerun_switches_the_partition_and_deletes_what_no_reader_sees_any_more(aws):
    write_attempt(aws, "2020-07-14", f"{RUN}-1")
    publish(aws.glue, aws.s3, aws.db, TABLE, ATTEMPTS, latest_attempt(aws.glue, aws.db, ATTEMPTS, RUN), RUN)
    rerun = run_key("dag", "manual__again")
    location = write_attempt(aws, "2020-07-14", f"{rerun}-1")
    result = publish(
        aws.glue, aws.s3, aws.db, TABLE, ATTEMPTS, latest_attempt(aws.glue, aws.db, ATTEMPTS, rerun), rerun
    )

    assert published(aws, "2020-07-14") == (location, f"{rerun}-1")
    assert result["attempts_removed"] == [f"{RUN}-1"] and result["files_removed"] == 1
    assert keys(aws) == [f"{ATTEMPTS}/day=2020-07-14/attempt={rerun}-1/part-0"]
    assert attempt_names(aws) == [["2020-07-14", f"{rerun}-1"]]


def test_a_covered_partition_the_attempt_wrote_nothing_for_is_removed_and_others_are_left(aws):
    write_attempt(aws, "2020-07-14", f"{RUN}-1")
    write_attempt(aws, "2020-07-15", f"{RUN}-1")
    publish(aws.glue, aws.s3, aws.db, TABLE, ATTEMPTS, latest_attempt(aws.glue, aws.db, ATTEMPTS, RUN), RUN)
    rerun = run_key("dag", "manual__again")
    empty = latest_attempt(aws.glue, aws.db, ATTEMPTS, rerun, required=False)  # its INSERT wrote no row
    result = publish(aws.glue, aws.s3, aws.db, TABLE, ATTEMPTS, empty, rerun, covered=[["2020-07-14"]])

    assert result["emptied"] == [["2020-07-14"]] and result["attempts_removed"] == [f"{RUN}-1"]
    with pytest.raises(aws.glue.exceptions.EntityNotFoundException):
        aws.glue.get_partition(DatabaseName=aws.db, TableName=TABLE, PartitionValues=["2020-07-14"])
    assert published(aws, "2020-07-15")[1] == f"{RUN}-1"  # not covered: untouched
    assert keys(aws) == [f"{ATTEMPTS}/day=2020-07-15/attempt={RUN}-1/part-0"]


def test_a_location_from_before_attempts_existed_is_deleted_once_replaced(aws):
    aws.s3.put_object(Bucket=aws.bucket, Key=f"{TABLE}/day=2020-07-14/old.parquet", Body=b"old")
    aws.glue.create_partition(
        DatabaseName=aws.db,
        TableName=TABLE,
        PartitionInput={
            "Values": ["2020-07-14"],
            "StorageDescriptor": {"Location": f"s3://{aws.bucket}/{TABLE}/day=2020-07-14/"},
        },
    )
    location = write_attempt(aws, "2020-07-14", f"{RUN}-1")
    result = publish(aws.glue, aws.s3, aws.db, TABLE, ATTEMPTS, latest_attempt(aws.glue, aws.db, ATTEMPTS, RUN), RUN)

    assert published(aws, "2020-07-14") == (location, f"{RUN}-1")
    assert result["partitions"][0]["previous_location"] == f"s3://{aws.bucket}/{TABLE}/day=2020-07-14/"
    assert keys(aws) == [f"{ATTEMPTS}/day=2020-07-14/attempt={RUN}-1/part-0"]

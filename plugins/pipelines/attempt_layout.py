"""Where a try writes its partitions and its report, defined once for the DAGs and the Glue jobs.

``pipelines.partitions`` imports it as ``pipelines.attempt_layout``; the Glue jobs get this very
file with ``--extra-py-files`` (``deploy/glue_scripts.py`` ships it) and import it as
``attempt_layout``. So it imports nothing but the standard library, and takes its clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ATTEMPT_KEY = "attempt"  # the attempts table's last partition key
ATTEMPTS_SUFFIX = "_attempts"


def attempts_table(table: str) -> str:
    """The attempts table of a published table."""
    return table + ATTEMPTS_SUFFIX


def attempt_location(base: str, table: str, partition_path: str, attempt: str) -> str:
    """The folder of one try's partition: ``<base>/<table>_attempts/<partition_path>attempt=<attempt>/``
    (``partition_path``: the published partition's ``key=value/`` folders)."""
    return f"{base.rstrip('/')}/{attempts_table(table)}/{partition_path}{ATTEMPT_KEY}={attempt}/"


def register_attempt(glue: Any, database: str, table: str, values: list[str], attempt: str, location: str) -> None:
    """Register one try's partition (``values`` of the published table, then the attempt) at
    ``location``; a retry of the same try (the job run again by Airflow) re-registers it."""
    attempts = attempts_table(table)
    descriptor = dict(glue.get_table(DatabaseName=database, Name=attempts)["Table"]["StorageDescriptor"])
    descriptor["Location"] = location
    partition = {"Values": [*values, attempt], "StorageDescriptor": descriptor}
    try:
        glue.create_partition(DatabaseName=database, TableName=attempts, PartitionInput=partition)
    except glue.exceptions.AlreadyExistsException:
        glue.update_partition(
            DatabaseName=database, TableName=attempts, PartitionValueList=partition["Values"], PartitionInput=partition
        )


def report_key(reports_prefix: str, attempt: str) -> str:
    """Where a job's try writes its figures for the DAG's check, in the lake bucket."""
    return f"{reports_prefix}{attempt}.json"


def objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """Every object under ``prefix`` (S3's ListObjectsV2 entries), folder markers left out."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from (o for o in page.get("Contents", []) if not o["Key"].endswith("/"))


def delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    """Delete every object under ``prefix``, 1,000 per request (S3's limit); returns how many."""
    keys = [o["Key"] for o in objects(s3, bucket, prefix)]
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    return len(keys)

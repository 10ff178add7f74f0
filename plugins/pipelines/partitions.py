"""Replace a table partition atomically and retry-safely.

Every try of a run writes the day into a partition of its own in an *attempts* table (same
columns, one more partition key ``attempt``), at a location no other try shares. The result is
checked there, then the published table's partition is switched to that location in one Glue
call (CreatePartition or UpdatePartition): readers see the old day or the new one, never an
empty or a doubled one. A retried INSERT writes a new attempt instead of adding to the last, and
a failed one leaves the published day as it was.

After the switch, what nobody can read any more is deleted: the previously published location
and this run's earlier tries. Attempts of other runs are left alone (one may be in progress);
an attempt of a run that never published stays as garbage no reader sees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

ATTEMPT_KEY = "attempt"


class NoAttemptError(RuntimeError):
    """The run's INSERT registered no attempt partition for the day."""


def run_key(dag_id: str, run_id: str) -> str:
    """A short, path-safe name of one DAG run (run ids hold ':' and '+')."""
    return hashlib.sha256(f"{dag_id}/{run_id}".encode()).hexdigest()[:12]


@pass_context
def attempt_id(context: Context) -> str:
    """Jinja macro ``{{ attempt_id() }}``: ``<run key>-<try number>`` of the task rendering it."""
    return f"{run_key(context['dag'].dag_id, context['run_id'])}-{context['ti'].try_number}"


@dataclass(frozen=True)
class Attempt:
    name: str
    location: str

    @property
    def try_number(self) -> int:
        return int(self.name.rsplit("-", 1)[1])


def _partitions(glue: Any, database: str, table: str) -> list[dict[str, Any]]:
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
    return [partition for page in pages for partition in page["Partitions"]]


def _attempts(glue: Any, database: str, attempts_table: str, values: list[str]) -> list[Attempt]:
    found = []
    for partition in _partitions(glue, database, attempts_table):
        if partition["Values"][: len(values)] == values:
            found.append(Attempt(partition["Values"][len(values)], partition["StorageDescriptor"]["Location"]))
    return found


def latest_attempt(glue: Any, database: str, attempts_table: str, values: list[str], run: str) -> Attempt:
    """The run's last try that wrote the partition ``values`` (an earlier try killed after
    submitting its query may have finished too; the last one is the one being checked)."""
    mine = [a for a in _attempts(glue, database, attempts_table, values) if a.name.startswith(f"{run}-")]
    if not mine:
        raise NoAttemptError(f"{database}.{attempts_table}: no attempt of run {run} for {values}")
    return max(mine, key=lambda a: a.try_number)


def _partition(glue: Any, database: str, table: str, values: list[str]) -> dict[str, Any] | None:
    try:
        return glue.get_partition(DatabaseName=database, TableName=table, PartitionValues=values)["Partition"]
    except glue.exceptions.EntityNotFoundException:
        return None


def _delete_prefix(s3: Any, location: str) -> int:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/") + "/"
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def _nested(a: str, b: str) -> bool:
    a, b = a.rstrip("/") + "/", b.rstrip("/") + "/"
    return a.startswith(b) or b.startswith(a)


def publish(
    glue: Any,
    s3: Any,
    database: str,
    table: str,
    attempts_table: str,
    values: list[str],
    attempt: Attempt,
    run: str,
) -> dict[str, Any]:
    """Point ``table``'s partition ``values`` at ``attempt``; then delete what no reader sees."""
    current = _partition(glue, database, table, values)
    if current is None:
        descriptor = dict(glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"])
        descriptor["Location"] = attempt.location
        glue.create_partition(
            DatabaseName=database, TableName=table, PartitionInput={"Values": values, "StorageDescriptor": descriptor}
        )
        previous = None
    else:
        descriptor = dict(current["StorageDescriptor"])
        previous = descriptor["Location"]
        descriptor["Location"] = attempt.location
        glue.update_partition(
            DatabaseName=database,
            TableName=table,
            PartitionValueList=values,
            PartitionInput={
                "Values": values,
                "StorageDescriptor": descriptor,
                "Parameters": current.get("Parameters", {}),
            },
        )
    removed_files = 0
    stale = [
        a
        for a in _attempts(glue, database, attempts_table, values)
        if a.name != attempt.name and (a.name.startswith(f"{run}-") or a.location == previous)
    ]
    for old in stale:
        if not _nested(old.location, attempt.location):
            removed_files += _delete_prefix(s3, old.location)
        glue.delete_partition(DatabaseName=database, TableName=attempts_table, PartitionValues=[*values, old.name])
    if previous and previous not in {a.location for a in stale} and not _nested(previous, attempt.location):
        removed_files += _delete_prefix(s3, previous)  # a location from before attempts existed
    return {
        "partition": values,
        "location": attempt.location,
        "previous_location": previous,
        "attempts_removed": sorted(a.name for a in stale),
        "files_removed": removed_files,
    }

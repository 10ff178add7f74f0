"""Replace table partitions atomically and retry-safely.

Every try of a run writes its partitions into an *attempts* table (same columns, one more
partition key ``attempt`` = ``<run key>-<try>``, last), at locations no other try shares
(the layout: ``pipelines.attempt_layout``, which the Glue jobs share). The
result is checked there, then each partition of the published table is switched to its
attempt location in one Glue call (CreatePartition or UpdatePartition): readers see the old
partition or the new one, never an empty or a doubled one. A retried INSERT writes a new
attempt instead of adding to the last, and a failed one leaves the published table as it was;
a query still running for a killed try writes only its own attempt, which is never published.

After the switch, what nobody can read any more is deleted: the previously published locations
and this run's other tries. The published partition records its attempt in its parameters, so
the attempt it replaces is found without listing. Attempts of other runs are left alone (one
may be in progress); an attempt of a run that never published stays as garbage no reader sees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from pipelines.attempt_layout import ATTEMPT_KEY, delete_prefix

ATTEMPT_PARAMETER = "pipelines.attempt"


class NoAttemptError(RuntimeError):
    """The run's INSERT registered no attempt partition."""


def run_key(dag_id: str, run_id: str) -> str:
    """A short, path-safe name of one DAG run (run ids hold ':' and '+')."""
    return hashlib.sha256(f"{dag_id}/{run_id}".encode()).hexdigest()[:12]


@pass_context
def attempt_id(context: Context) -> str:
    """Jinja macro ``{{ attempt_id() }}``: ``<run key>-<try number>`` of the task rendering it."""
    return f"{run_key(context['dag'].dag_id, context['run_id'])}-{context['ti'].try_number}"


def try_number(name: str) -> int:
    """The try number of an attempt name ``<run key>-<try>``."""
    return int(name.rsplit("-", 1)[1])


@dataclass(frozen=True)
class AttemptPartition:
    values: list[str]  # the published table's partition values (without the attempt)
    location: str


@dataclass(frozen=True)
class Attempt:
    name: str
    partitions: list[AttemptPartition]

    @property
    def try_number(self) -> int:
        return try_number(self.name)

    def to_xcom(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "partitions": [{"values": p.values, "location": p.location} for p in self.partitions],
        }

    @classmethod
    def from_xcom(cls, value: dict[str, Any]) -> Attempt:
        return cls(value["name"], [AttemptPartition(list(p["values"]), p["location"]) for p in value["partitions"]])


def _run_attempts(glue: Any, database: str, attempts_table: str, run: str) -> dict[str, list[AttemptPartition]]:
    """The run's tries and the partitions each wrote (one Glue listing, filtered server-side)."""
    pages = glue.get_paginator("get_partitions").paginate(
        DatabaseName=database, TableName=attempts_table, Expression=f"{ATTEMPT_KEY} LIKE '{run}-%'"
    )
    found: dict[str, list[AttemptPartition]] = {}
    for page in pages:
        for partition in page["Partitions"]:
            *values, name = partition["Values"]
            found.setdefault(name, []).append(AttemptPartition(values, partition["StorageDescriptor"]["Location"]))
    return found


def latest_attempt(glue: Any, database: str, attempts_table: str, run: str, *, required: bool = True) -> Attempt:
    """The run's last try that wrote partitions (an earlier try killed after submitting its
    query may have finished too; the last one is the one being checked). An INSERT of no rows
    registers no partition: with ``required`` that is an error, otherwise an empty attempt."""
    tries = _run_attempts(glue, database, attempts_table, run)
    if not tries:
        if required:
            raise NoAttemptError(f"{database}.{attempts_table}: run {run} wrote no attempt partition")
        return Attempt(f"{run}-0", [])
    name = max(tries, key=try_number)
    return Attempt(name, sorted(tries[name], key=lambda p: p.values))


def _partition(glue: Any, database: str, table: str, values: list[str]) -> dict[str, Any] | None:
    try:
        return glue.get_partition(DatabaseName=database, TableName=table, PartitionValues=values)["Partition"]
    except glue.exceptions.EntityNotFoundException:
        return None


def _delete_prefix(s3: Any, location: str) -> int:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return delete_prefix(s3, bucket, prefix.rstrip("/") + "/")


def _nested(a: str, b: str) -> bool:
    a, b = a.rstrip("/") + "/", b.rstrip("/") + "/"
    return a.startswith(b) or b.startswith(a)


def _switch(
    glue: Any, database: str, table: str, part: AttemptPartition, attempt: str
) -> tuple[str | None, str | None]:
    """Point one published partition at ``part.location``; returns the location and attempt it
    pointed at before (None, None for a new partition)."""
    current = _partition(glue, database, table, part.values)
    if current is None:
        descriptor = dict(glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"])
        descriptor["Location"] = part.location
        glue.create_partition(
            DatabaseName=database,
            TableName=table,
            PartitionInput={
                "Values": part.values,
                "StorageDescriptor": descriptor,
                "Parameters": {ATTEMPT_PARAMETER: attempt},
            },
        )
        return None, None
    descriptor = dict(current["StorageDescriptor"])
    parameters = dict(current.get("Parameters", {}))
    previous, previous_attempt = descriptor["Location"], parameters.get(ATTEMPT_PARAMETER)
    descriptor["Location"] = part.location
    glue.update_partition(
        DatabaseName=database,
        TableName=table,
        PartitionValueList=part.values,
        PartitionInput={
            "Values": part.values,
            "StorageDescriptor": descriptor,
            "Parameters": {**parameters, ATTEMPT_PARAMETER: attempt},
        },
    )
    return previous, previous_attempt


def publish(
    glue: Any,
    s3: Any,
    database: str,
    table: str,
    attempts_table: str,
    attempt: Attempt,
    run: str,
    *,
    covered: list[list[str]] | None = None,
) -> dict[str, Any]:
    """Point each of ``table``'s partitions that ``attempt`` wrote at it; then delete what no
    reader sees any more. ``covered``: partitions the run computed in full; one of them that
    the attempt wrote no row for is removed (its new content is empty). Other partitions the
    attempt did not write are left as they are."""
    removed_files, removed_attempts = 0, []

    def drop_attempt(values: list[str], name: str, location: str | None) -> None:
        nonlocal removed_files
        if location and not any(_nested(location, p.location) for p in attempt.partitions):
            removed_files += _delete_prefix(s3, location)
        try:
            glue.delete_partition(DatabaseName=database, TableName=attempts_table, PartitionValues=[*values, name])
            removed_attempts.append(name)
        except glue.exceptions.EntityNotFoundException:
            pass

    switched = []
    for part in attempt.partitions:
        previous, previous_attempt = _switch(glue, database, table, part, attempt.name)
        switched.append({"values": part.values, "location": part.location, "previous_location": previous})
        if previous is None or previous == part.location:
            continue
        if previous_attempt and previous_attempt != attempt.name:
            drop_attempt(part.values, previous_attempt, previous)
        elif not _nested(previous, part.location):
            removed_files += _delete_prefix(s3, previous)  # a location from before attempts existed
    written = [p.values for p in attempt.partitions]
    emptied = []
    for values in covered or []:
        if values in written or (current := _partition(glue, database, table, values)) is None:
            continue
        glue.delete_partition(DatabaseName=database, TableName=table, PartitionValues=values)
        emptied.append(values)
        previous_attempt = current.get("Parameters", {}).get(ATTEMPT_PARAMETER)
        if previous_attempt:
            drop_attempt(values, previous_attempt, current["StorageDescriptor"]["Location"])
        else:
            removed_files += _delete_prefix(s3, current["StorageDescriptor"]["Location"])
    for name, parts in _run_attempts(glue, database, attempts_table, run).items():
        if name != attempt.name:  # this run's other tries: never published, now never will be
            for part in parts:
                drop_attempt(part.values, name, part.location)
    return {
        "attempt": attempt.name,
        "partitions": switched,
        "emptied": emptied,
        "attempts_removed": sorted(set(removed_attempts)),
        "files_removed": removed_files,
    }

"""One writer at a time for a set of tables, whatever started the run (schedule, trigger, backfill).

Airflow's ``max_active_runs`` does not serialise a backfill with the DAG's other runs (the
scheduler counts a backfill's runs apart), and a pool slot covers one task, not the sequence
read -> write -> check -> publish that must not interleave with another run's. The lock is an
S3 object created with a conditional write (``If-None-Match: *``): exactly one run's PutObject
succeeds. It names its holder and carries a lease; a holder that died without releasing it
(its run marked failed by hand, a worker host lost) is taken over once the lease has expired,
again conditionally (``If-Match`` on the expired lock's ETag), so two waiters cannot both win.
The holder checks it still holds the lock right before it publishes.

Why S3 by hand: neither Airflow nor the Amazon provider has a lock or lease; S3 conditional
writes are atomic on AWS, need no extra service, and live beside the data they protect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

LOCK_PREFIX = "_locks/"
# S3 answers 412 when the condition fails and 409 when a concurrent conditional write is in flight.
_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


class LockLostError(RuntimeError):
    """This run no longer holds the lock it is about to publish under."""


@dataclass(frozen=True)
class Holder:
    run: str  # "<dag_id>/<run_id>"
    expires_at: datetime

    def to_json(self) -> str:
        return json.dumps({"run": self.run, "expires_at": self.expires_at.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> Holder:
        body = json.loads(text)
        return cls(body["run"], datetime.fromisoformat(body["expires_at"]))


def lock_key(name: str) -> str:
    return f"{LOCK_PREFIX}{name}.json"


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _read(s3: Any, bucket: str, name: str) -> tuple[Holder, str] | None:
    try:
        found = s3.get_object(Bucket=bucket, Key=lock_key(name))
    except ClientError as err:
        if _code(err) in ("NoSuchKey", "404"):
            return None
        raise
    return Holder.from_json(found["Body"].read().decode()), found["ETag"]


def try_acquire(s3: Any, bucket: str, name: str, run: str, now: datetime, lease: timedelta) -> tuple[bool, str]:
    """Take the lock for ``run`` (again, if it already holds it: a retried task); returns whether
    it did and who holds it."""
    mine = Holder(run, now + lease).to_json()
    try:
        s3.put_object(Bucket=bucket, Key=lock_key(name), Body=mine.encode(), IfNoneMatch="*")
        return True, run
    except ClientError as err:
        if _code(err) not in _LOST_RACE:
            raise
    current = _read(s3, bucket, name)
    if current is None:
        return False, "nobody (released meanwhile; trying again)"
    holder, etag = current
    if holder.run != run and holder.expires_at > now:
        return False, f"{holder.run} until {holder.expires_at.isoformat()}"
    try:  # ours already (renewed), or an expired lease taken over
        s3.put_object(Bucket=bucket, Key=lock_key(name), Body=mine.encode(), IfMatch=etag)
    except ClientError as err:
        if _code(err) not in _LOST_RACE | {"NoSuchKey", "404"}:
            raise
        return False, "another run (it took the lock meanwhile)"
    return True, run


def verify_held(s3: Any, bucket: str, name: str, run: str, now: datetime) -> None:
    """Raise unless ``run`` holds the lock with an unexpired lease."""
    current = _read(s3, bucket, name)
    if current is None or current[0].run != run or current[0].expires_at <= now:
        holder = "nobody" if current is None else f"{current[0].run} until {current[0].expires_at.isoformat()}"
        raise LockLostError(f"lock {name!r} is not held by {run} (held by {holder}); nothing was published")


def release(s3: Any, bucket: str, name: str, run: str) -> bool:
    """Delete the lock if ``run`` holds it (never another run's); returns whether it did."""
    current = _read(s3, bucket, name)
    if current is None or current[0].run != run:
        return False
    try:
        s3.delete_object(Bucket=bucket, Key=lock_key(name), IfMatch=current[1])
    except ClientError as err:
        if _code(err) not in _LOST_RACE | {"NoSuchKey", "404"}:
            raise
        return False
    return True

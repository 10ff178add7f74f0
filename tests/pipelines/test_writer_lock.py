"""The writer lock against the local S3: one holder, re-entrant, leases, takeover, release."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.settings import SETTINGS
from pipelines.writer_lock import LockLostError, lock_key, release, try_acquire, verify_held

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(hours=1)


@pytest.fixture
def lock(local_aws):
    return local_aws.client("s3"), SETTINGS.lake_bucket, f"test-{uuid.uuid4().hex[:8]}"


def test_one_run_holds_the_lock_and_another_waits_until_it_is_released(lock):
    s3, bucket, name = lock
    assert try_acquire(s3, bucket, name, "dag/manual_1", NOW, LEASE) == (True, "dag/manual_1")
    acquired, holder = try_acquire(s3, bucket, name, "dag/backfill_1", NOW, LEASE)
    assert (acquired, holder) == (False, "dag/manual_1 until 2026-12-01T13:00:00+00:00")
    # A retried acquire of the holder succeeds (and renews the lease).
    assert try_acquire(s3, bucket, name, "dag/manual_1", NOW + LEASE / 2, LEASE)[0]
    verify_held(s3, bucket, name, "dag/manual_1", NOW + LEASE)
    with pytest.raises(LockLostError, match="not held by dag/backfill_1"):
        verify_held(s3, bucket, name, "dag/backfill_1", NOW)

    assert release(s3, bucket, name, "dag/backfill_1") is False  # never another run's lock
    assert release(s3, bucket, name, "dag/manual_1") is True
    assert try_acquire(s3, bucket, name, "dag/backfill_1", NOW, LEASE)[0]


def test_an_expired_lease_is_taken_over_and_its_old_holder_may_not_publish(lock):
    s3, bucket, name = lock
    assert try_acquire(s3, bucket, name, "dag/dead_run", NOW, LEASE)[0]
    assert not try_acquire(s3, bucket, name, "dag/next_run", NOW + LEASE - timedelta(seconds=1), LEASE)[0]
    assert try_acquire(s3, bucket, name, "dag/next_run", NOW + LEASE, LEASE)[0]
    with pytest.raises(LockLostError, match="held by dag/next_run"):
        verify_held(s3, bucket, name, "dag/dead_run", NOW + LEASE)
    assert release(s3, bucket, name, "dag/dead_run") is False
    body = s3.get_object(Bucket=bucket, Key=lock_key(name))["Body"].read().decode()
    assert '"run": "dag/next_run"' in body


def race(s3, bucket: str, name: str, runs: list[str], now: datetime) -> list[str]:
    """The runs whose try_acquire, all started together, succeeded."""
    with ThreadPoolExecutor(len(runs)) as pool:
        results = list(pool.map(lambda run: try_acquire(s3, bucket, name, run, now, LEASE)[0], runs))
    return [run for run, acquired in zip(runs, results, strict=True) if acquired]


def test_of_many_runs_racing_for_a_free_or_an_expired_lock_exactly_one_wins(lock):
    s3, bucket, name = lock
    runs = [f"dag/run_{n}" for n in range(16)]
    won = race(s3, bucket, name, runs, NOW)
    assert len(won) == 1
    # The winner's lease has expired: taking it over is a race too, which one run wins.
    others = [run for run in runs if run != won[0]]
    assert len(race(s3, bucket, name, others, NOW + 2 * LEASE)) == 1

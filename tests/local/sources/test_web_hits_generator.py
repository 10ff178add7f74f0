"""The web hits sample source: deterministic, in the raw layout, with the faults of a real feed,
streamed in bounded memory; and its CLI as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from local.sources import web_hits as source

REPO = Path(__file__).resolve().parents[3]
HOUR = "2024-05-01T13"


def lines(files) -> list[str]:
    return [line for f in files for line in f.body.decode().split("\n")[:-1]]


def test_same_seed_same_bytes_and_an_hour_does_not_depend_on_the_range():
    alone = list(source.hour_files(HOUR, 500, seed=3))
    in_range = [
        f for hour in source.hours("2024-05-01T12", "2024-05-01T14") for f in source.hour_files(hour, 500, seed=3)
    ]
    assert alone == [f for f in in_range if "/hour=13/" in f.key]
    assert alone != list(source.hour_files(HOUR, 500, seed=4))


def test_files_are_in_their_utc_minute_folder_and_hits_in_that_minute():
    for f in source.hour_files(HOUR, 500, seed=3):
        assert f.key.startswith("web_hits/year=2024/month=05/day=01/hour=13/minute=")
        minute = int(f.key.split("minute=")[1][:2])
        for line in f.body.decode().split("\n")[:-1]:
            try:
                hit = json.loads(line)
            except ValueError:
                continue
            if "Timestamp" in hit:
                at = datetime.fromisoformat(hit["Timestamp"]).astimezone(UTC)
                assert (at.hour, at.minute) == (13, minute)


def test_an_hour_carries_the_faults_of_a_real_feed():
    files = list(source.hour_files(HOUR, 2000, seed=3))
    parsed, malformed = [], 0
    for line in lines(files):
        try:
            parsed.append(json.loads(line))
        except ValueError:
            malformed += 1
    assert malformed == source.MALFORMED_PER_HOUR
    assert sum("Timestamp" not in hit for hit in parsed) == source.WITHOUT_TIMESTAMP_PER_HOUR
    offsets = Counter(
        hit["Timestamp"][-6:] for hit in parsed if "Timestamp" in hit and not hit["Timestamp"].endswith("Z")
    )
    assert set(offsets) <= {"+02:00", "-05:00", "+05:30", "+09:00"} and sum(offsets.values()) > 5
    late = [f for f in files if f.late]
    assert len(late) == source.LATE_MINUTES and all(int(f.key.split("minute=")[1][:2]) >= 57 for f in late)


def test_plausible_distributions_and_a_daily_curve():
    hits = [json.loads(line) for line in lines(source.hour_files(HOUR, 5000, seed=3)) if line.endswith("}")]
    domains = Counter(hit["Domain"] for hit in hits).most_common()
    assert len(domains) >= 30 and domains[0][1] > 5 * domains[-1][1]  # heavy head, long tail
    assert Counter(hit["CountryCode"] for hit in hits).most_common(1)[0][0] == "US"
    assert all(isinstance(hit["GroupID"], int) for hit in hits)
    assert source.hits_in_hour(source.hour_start("2024-05-01T15"), 1000) > 2 * source.hits_in_hour(
        source.hour_start("2024-05-01T03"), 1000
    )


def test_a_big_hour_streams_in_bounded_memory():
    tracemalloc.start()
    try:
        total = 0
        for f in source.hour_files("2024-05-01T15", 60_000, seed=3):
            total += len(f.body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 20_000_000
    assert peak < total / 10


def test_cli_writes_the_hours_into_any_bucket(local_aws):
    bucket = f"web-hits-cli-{uuid.uuid4().hex[:8]}"
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    done = subprocess.run(
        [sys.executable, "-m", "local.sources.web_hits", "--endpoint-url", local_aws.endpoint_url,
         "--bucket", bucket, "--from", "2024-05-01T13", "--to", "2024-05-01T14", "--hits-per-hour", "300",
         "--seed", "3", "--no-late"],
        cwd=REPO, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    expected = sorted(
        f.key for hour in ("2024-05-01T13", "2024-05-01T14") for f in source.hour_files(hour, 300, 3) if not f.late
    )
    assert keys == expected
    printed = done.stdout.strip().splitlines()
    assert printed[-1] == f"wrote {len(expected)} objects to s3://{bucket}/web_hits/"
    for hour, line in zip(("2024-05-01T13", "2024-05-01T14"), printed[:-1], strict=True):
        on_time = [f for f in source.hour_files(hour, 300, 3) if not f.late]
        hour_lines = [line for f in on_time for line in f.body.decode().splitlines()]
        no_hit = source.MALFORMED_PER_HOUR + source.WITHOUT_TIMESTAMP_PER_HOUR
        assert (
            line
            == f"{hour}: {len(hour_lines) - no_hit} hits, {no_hit} lines that are no hit, in {len(on_time)} files (0 lines land late)"
        )


def test_hours_are_taken_from_strings_datetimes_and_pendulum_alike():
    import pendulum

    expected = [datetime(2024, 5, 1, 23, tzinfo=UTC), datetime(2024, 5, 2, 0, tzinfo=UTC)]
    assert source.hours("2024-05-01T23", "2024-05-02T00") == expected
    assert source.hours(pendulum.datetime(2024, 5, 1, 23, 30), pendulum.datetime(2024, 5, 2, 0, 5)) == expected

"""The replay producer: Kinesis' request limits, refused entries put again until written, every
row on the stream exactly once, through the local Kinesis and its shard limits."""

from __future__ import annotations

import csv
import json
import uuid
from collections import Counter
from pathlib import Path

import pytest

from local.sources.uber_movement import replay as producer
from local.sources.uber_movement.replay import MAX_ATTEMPTS, Record, ReplayError, batches, records, replay
from local.sources.uber_movement.travel_times import main as write_travel_times
from tests.support.kinesis import read_stream


def test_batches_stay_within_500_records_and_5_mib():
    small = [Record(str(i), b"x" * 100) for i in range(1_200)]
    assert [len(b) for b in batches(small)] == [500, 500, 200]
    big = [Record(f"{i:03d}", b"x" * (200 * 1024)) for i in range(60)]
    sizes = [len(b) for b in batches(big)]
    assert sizes == [25, 25, 10]  # 26 of 204,803 bytes would pass 5 MiB
    assert [r for b in batches(big) for r in b] == big
    with pytest.raises(ReplayError, match="Kinesis takes at most 1048576"):
        list(batches([Record("huge", b"x" * (1024 * 1024))]))


class FlakyKinesis:
    """Refuses some entries of every request a few times, as a throttled shard or a hiccup does."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals  # times each key is refused before being taken
        self.seen: Counter[str] = Counter()
        self.stream: list[bytes] = []
        self.requests: list[int] = []

    def put_records(self, StreamName: str, Records: list[dict]) -> dict:
        self.requests.append(len(Records))
        answers, failed = [], 0
        for record in Records:
            key = record["PartitionKey"]
            self.seen[key] += 1
            if int(key) % 3 == 0 and self.seen[key] <= self.refusals:
                failed += 1
                code = "ProvisionedThroughputExceededException" if self.seen[key] % 2 else "InternalFailure"
                answers.append({"ErrorCode": code, "ErrorMessage": "Rate exceeded"})
            else:
                self.stream.append(record["Data"])
                answers.append({"SequenceNumber": str(len(self.stream)), "ShardId": "shardId-000000000000"})
        return {"FailedRecordCount": failed, "Records": answers}


def test_refused_entries_are_put_again_with_backoff_until_every_row_is_written_once():
    kinesis, waits = FlakyKinesis(refusals=3), []
    items = [Record(str(i), f"row {i}\n".encode()) for i in range(1_000)]
    outcome = replay(kinesis, "s", items, sleep=waits.append)
    assert sorted(kinesis.stream) == sorted(r.data for r in items)  # each exactly once
    refused = len([i for i in range(1_000) if i % 3 == 0])
    assert outcome.rows == 1_000 and outcome.refused == 3 * refused
    assert kinesis.requests == [500, 167, 167, 167, 500, 167, 167, 167]  # only the refused go again
    assert len(waits) == 6 and all(0 <= w <= producer.BACKOFF_CAP for w in waits)


def test_a_stream_that_never_takes_a_row_stops_the_replay_with_why():
    kinesis = FlakyKinesis(refusals=10**9)
    with pytest.raises(ReplayError, match=f"^167 rows not written after {MAX_ATTEMPTS} attempts \\(InternalFailure\\)"):
        replay(kinesis, "s", [Record(str(i), b"r\n") for i in range(1_000)], sleep=lambda s: None)


def test_backoff_grows_exponentially_to_its_cap():
    rng = producer.random.Random(1)
    ceilings = [max(producer.backoff(a, rng) for _ in range(200)) for a in (2, 3, 4, 8, 12)]
    assert ceilings[0] <= 0.05 < ceilings[1] <= 0.1 < ceilings[2] <= 0.2
    assert 1.5 < ceilings[3] <= 2.0 and 1.5 < ceilings[4] <= 2.0


def test_a_replay_through_the_cli_puts_every_row_once_despite_the_shard_limits(local_aws, tmp_path, capsys):
    kinesis = local_aws.client("kinesis")
    name = f"replay-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=2)
    generated, csv_path = tmp_path / "generated.csv", tmp_path / "travel_times.csv"
    write_travel_times(["--rows", "1000", "--seed", "5", "--out", str(generated)])
    widened(generated, csv_path, extra_bytes=5_000)

    argv = [str(csv_path), "--stream", name, "--endpoint-url", local_aws.endpoint_url, "--region", local_aws.region]
    assert producer.main(argv) == 0

    printed = capsys.readouterr().out
    assert printed.startswith(f"1000 rows onto {name} in ")
    refused = int(printed.split("requests, ")[1].split(" refused")[0])
    # A request of 500 rows of 5 KB carries over 1 MiB for each of the 2 shards: the limits bite on
    # the first request, however fast or slow the machine is.
    assert refused > 0
    on_stream = read_stream(kinesis, name)
    expected = [json.loads(r.data) for r in records(csv_path)]
    assert Counter(r["replay_id"] for r in on_stream) == Counter(f"travel_times.csv:{n}" for n in range(1, 1001))
    assert sorted(on_stream, key=lambda r: r["replay_id"]) == sorted(expected, key=lambda r: r["replay_id"])
    shards = kinesis.list_shards(StreamName=name)["Shards"]
    assert len(shards) == 2


def widened(source: Path, target: Path, extra_bytes: int) -> None:
    """The travel times of ``source`` with a ``comment`` column of ``extra_bytes`` on every row."""
    with source.open(newline="") as rows_in, target.open("w", newline="") as rows_out:
        reader = csv.DictReader(rows_in)
        writer = csv.DictWriter(rows_out, [*(reader.fieldnames or []), "comment"])
        writer.writeheader()
        for n, row in enumerate(reader):
            writer.writerow({**row, "comment": f"{n:06d}".ljust(extra_bytes, "x")})

"""Replay a travel-times CSV onto a Kinesis data stream, as the seed's ``initial_insert.py`` does.

``python -m local.sources.uber_movement.replay FILE.csv --stream NAME [--endpoint-url URL]
[--region R] [--rate ROWS_PER_SECOND]``. Without ``--endpoint-url`` it writes to AWS with the
user's credentials. Each row becomes one JSON line: the CSV's column names as keys plus a
``replay_id`` (``<file name>:<row number>``) that names the row within its file; the replay id
is also the partition key, so rows spread over every shard.

Rows go in PutRecords batches within Kinesis' limits (500 records, 5 MiB a request, 1 MiB a
record). Entries Kinesis refuses (a shard over its write limit, an internal failure) are put
again, alone, with exponential back-off and jitter, until every row is written: a replay writes
each row exactly once unless it gives up, which it says.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from tqdm import tqdm

from local.aws.credentials import CREDENTIALS

MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024
MAX_ATTEMPTS = 30  # per batch: at 2 s apiece at worst, a shard stalled for a minute
BACKOFF_BASE, BACKOFF_CAP = 0.05, 2.0


class ReplayError(RuntimeError):
    """Rows that Kinesis would not take, even after every retry."""


@dataclass(frozen=True)
class Record:
    partition_key: str
    data: bytes

    @property
    def size(self) -> int:  # what Kinesis counts against its limits
        return len(self.data) + len(self.partition_key.encode())


@dataclass
class Outcome:
    rows: int = 0
    requests: int = 0
    refused: int = 0  # entries refused and put again
    seconds: float = 0.0


def records(path: Path) -> Iterator[Record]:
    with path.open(newline="", encoding="utf-8") as lines:
        for number, row in enumerate(csv.DictReader(lines), start=1):
            replay_id = f"{path.name}:{number}"
            yield Record(replay_id, (json.dumps({**row, "replay_id": replay_id}) + "\n").encode())


def batches(items: Iterable[Record]) -> Iterator[list[Record]]:
    """PutRecords requests within Kinesis' limits, in order."""
    batch: list[Record] = []
    size = 0
    for record in items:
        if record.size > MAX_RECORD_BYTES:
            raise ReplayError(
                f"{record.partition_key} is {record.size} bytes; Kinesis takes at most {MAX_RECORD_BYTES}"
            )
        if batch and (len(batch) == MAX_BATCH_RECORDS or size + record.size > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += record.size
    if batch:
        yield batch


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds to wait before try ``attempt`` (2, 3, ...): exponential, capped, with full jitter."""
    return rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 2)))


def put_batch(
    kinesis: Any, stream: str, batch: list[Record], outcome: Outcome, sleep: Callable[[float], None], rng: random.Random
) -> None:
    pending = batch
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt > 1:
            sleep(backoff(attempt, rng))
        answer = kinesis.put_records(
            StreamName=stream, Records=[{"Data": r.data, "PartitionKey": r.partition_key} for r in pending]
        )
        outcome.requests += 1
        refused = [(r, e) for r, e in zip(pending, answer["Records"], strict=True) if e.get("ErrorCode")]
        if not refused:
            return
        outcome.refused += len(refused)
        pending = [r for r, _ in refused]
    reasons = sorted({e["ErrorCode"] for _, e in refused})
    raise ReplayError(f"{len(pending)} rows not written after {MAX_ATTEMPTS} attempts ({', '.join(reasons)})")


def replay(
    kinesis: Any,
    stream: str,
    items: Iterable[Record],
    rate: float | None = None,
    progress: tqdm | None = None,
    sleep: Callable[[float], None] = time.sleep,
    seed: int = 0,
) -> Outcome:
    """Put every record on the stream; at most ``rate`` rows a second if given."""
    outcome, rng, started = Outcome(), random.Random(seed), time.monotonic()
    for batch in batches(items):
        if rate:  # pace by rows: wait until this batch's rows are due
            due = started + outcome.rows / rate
            if (ahead := due - time.monotonic()) > 0:
                sleep(ahead)
        put_batch(kinesis, stream, batch, outcome, sleep, rng)
        outcome.rows += len(batch)
        if progress is not None:
            progress.update(len(batch))
    outcome.seconds = time.monotonic() - started
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.sources.uber_movement.replay", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("csv", type=Path, help="a travel-times CSV (local.sources.uber_movement.travel_times)")
    parser.add_argument("--stream", required=True, help="Kinesis data stream name")
    parser.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:4566 for the local AWS (default: AWS)")
    parser.add_argument("--region", help="default: the AWS configuration's")
    parser.add_argument("--rate", type=float, help="rows a second at most (default: as fast as the shards take)")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        parser.error(f"{args.csv} is not a file")
    session = boto3.Session(region_name=args.region)
    if args.endpoint_url and session.get_credentials() is None:  # the local AWS takes its own test keys
        session = boto3.Session(region_name=args.region, **CREDENTIALS)
    kinesis = session.client(
        "kinesis", endpoint_url=args.endpoint_url, config=Config(retries={"mode": "standard", "max_attempts": 10})
    )
    with args.csv.open(encoding="utf-8") as lines:
        total = max(0, sum(1 for _ in lines) - 1)
    with tqdm(total=total, unit="row", disable=not sys.stderr.isatty()) as progress:
        try:
            outcome = replay(kinesis, args.stream, records(args.csv), args.rate, progress)
        except ReplayError as exc:
            print(f"replay stopped: {exc}", file=sys.stderr)
            return 1
    print(
        f"{outcome.rows} rows onto {args.stream} in {outcome.seconds:.1f} s "
        f"({outcome.rows / max(outcome.seconds, 1e-9):.0f} rows/s, {outcome.requests} requests, "
        f"{outcome.refused} refused entries put again)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

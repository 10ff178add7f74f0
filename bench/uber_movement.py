"""Uber Movement arrival benchmark: ``python -m bench.uber_movement``.

(a) Replay throughput: a generated travel-times CSV replayed with the producer onto a local
    Kinesis stream of 2 shards whose write limits are on (1,000 records/s each), rows per second
    next to the shards' limit (goal: at least 90 %, i.e. 1,800 rows/s) and every row on the
    stream exactly once.
(b) Arrival latency through the real Airflow services: from the last record put to the last of
    its rows queryable in Athena (Firehose's buffer, the S3 notification, the triggerer's asset
    watcher, the run: crawl, Glue job, check, publish); goal: at most Firehose's buffer + 60 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from local import athena_queries
from local.aws import LocalAWS
from local.provision import FIREHOSE_BUFFER_SECONDS
from local.sources.uber_movement import replay
from local.sources.uber_movement.travel_times import write_csv
from local.stack import DevStack, free_port, wait_for_dag
from pipelines.settings import SETTINGS
from tests.support.kinesis import read_stream
from tests.support.uber_movement_reference import typed_independently

THROUGHPUT_ROWS = 30_000
LATENCY_ROWS = 2_000
SHARDS = 2


def csv_file(folder: Path, rows: int, seed: int) -> Path:
    path = folder / f"bench_{rows}.csv"
    with path.open("w", newline="") as out:
        write_csv(out, rows, seed=seed)
    return path


def throughput(folder: Path) -> tuple[float, int, int, bool]:
    """Rows/s of a replay onto 2 shards, requests, entries put again, and whether each row is on the stream once."""
    path = csv_file(folder, THROUGHPUT_ROWS, seed=3)
    with LocalAWS(port=0) as aws:
        kinesis = aws.client("kinesis")
        kinesis.create_stream(StreamName="bench", ShardCount=SHARDS)
        outcome = replay.replay(kinesis, "bench", replay.records(path))
        ids = Counter(record["replay_id"] for record in read_stream(kinesis, "bench"))
    once = len(ids) == THROUGHPUT_ROWS and set(ids.values()) == {1}
    return outcome.rows / outcome.seconds, outcome.requests, outcome.refused, once


def latency(folder: Path) -> tuple[float, int]:
    """Seconds from the last put to the last typed row queryable, and the rows typed."""
    path = csv_file(folder, LATENCY_ROWS, seed=4)
    expected, _ = typed_independently(path)
    with DevStack(
        folder / "stack", aws_port=free_port(), api_port=free_port(), vehicle_api_port=free_port(), keep_state=False
    ) as stack:
        wait_for_dag(stack, "uber_movement", timeout=300)
        stack.airflow("dags", "unpause", "uber_movement")
        time.sleep(10)  # the triggerer picks up the watcher
        replay.replay(stack.client("kinesis"), SETTINGS.uber_movement_stream, replay.records(path))
        last_put = time.monotonic()
        athena = stack.client("athena")
        sql = f"SELECT count(*) FROM travel_times WHERE replay_id LIKE '{path.name}:%'"
        while True:
            try:
                execution = athena_queries.run(athena, sql, SETTINGS.lake_database, SETTINGS.athena_workgroup)
                typed = int(athena_queries.result_rows(athena, execution["QueryExecutionId"])[1][0][0])
            except athena_queries.QueryError:  # the table does not exist before the first run
                typed = 0
            if typed >= len(expected):
                return time.monotonic() - last_put, typed
            if time.monotonic() - last_put > 600:
                raise SystemExit(f"only {typed} of {len(expected)} rows queryable after 600 s")
            time.sleep(1)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        rate, requests, refused, once = throughput(Path(scratch))
        seconds, typed = latency(Path(scratch))
    goal_rate = 0.9 * SHARDS * 1_000
    goal_latency = FIREHOSE_BUFFER_SECONDS + 60
    print(
        "\n| what | result | goal |\n|---|---|---|\n"
        f"| replay of {THROUGHPUT_ROWS:,} rows onto {SHARDS} shards, limits on | {rate:,.0f} rows/s "
        f"({requests} PutRecords, {refused} entries put again; each row once: {once}) | >= {goal_rate:,.0f} rows/s, 0 lost |\n"
        f"| last put -> last of {typed:,} rows queryable in Athena (real services, Firehose buffer "
        f"{FIREHOSE_BUFFER_SECONDS} s) | {seconds:.1f} s | <= {goal_latency} s |"
    )
    missed = [
        name
        for name, met in (
            ("replay throughput", rate >= goal_rate and once),
            ("arrival latency", seconds <= goal_latency),
        )
        if not met
    ]
    if missed:
        sys.exit(f"goals missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()

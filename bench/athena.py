"""Local Athena benchmark: ``python -m bench.athena``.

(a) submit -> SUCCEEDED latency of a trivial SELECT (goal < 200 ms);
(b) an aggregate over 1 million Parquet rows, local Athena vs DuckDB on the same local file (goal within 2x);
(c) DataScannedInBytes for one day of a 30-day partitioned table vs a table holding only that day (within 10%).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import duckdb
from botocore.client import BaseClient

from local import athena_queries
from local.aws import LocalAWS

BUCKET = "bench-athena"
DATABASE = "bench"
WORKGROUP = "bench"
ROWS = 1_000_000
DAYS = 30
ROUNDS = 7
AGGREGATE = "SELECT vehicle, count(*) AS n, avg(speed) AS speed, max(ts) AS last_ts FROM {source} GROUP BY vehicle"
# The shape of the pipelines' enrichment query: LAG and a 10-minute RANGE average per vehicle.
WINDOWED = """
    SELECT count(*) AS n, count(prev_speed) AS with_prev, round(avg(avg_10min), 6) AS mean_avg
    FROM (SELECT lag(speed) OVER (PARTITION BY vehicle ORDER BY ts) AS prev_speed,
                 avg(speed) OVER (PARTITION BY vehicle ORDER BY ts
                                  RANGE BETWEEN 600000 PRECEDING AND CURRENT ROW) AS avg_10min
          FROM {source})
"""


def run(athena: BaseClient, sql: str) -> tuple[float, dict]:
    """Seconds from StartQueryExecution until GetQueryExecution reports a final state."""
    started = time.perf_counter()
    execution = athena_queries.run(athena, sql, DATABASE, WORKGROUP, timeout=3600)
    return time.perf_counter() - started, execution


def readings(path: Path, rows: int, seed_day: int = 0) -> None:
    duckdb.connect().execute(
        f"""COPY (SELECT 'v' || (range % 500) AS vehicle,
                         1704067200000 + {seed_day}::BIGINT * 86400000 + range * 50 AS ts,
                         (range * 7919 % 1000) / 10.0 AS speed
                  FROM range({rows}))
            TO '{path}' (FORMAT parquet, COMPRESSION snappy)"""
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, LocalAWS(port=0) as aws:
        s3, athena = aws.client("s3"), aws.client("athena")
        s3.create_bucket(Bucket=BUCKET)
        aws.client("glue").create_database(DatabaseInput={"Name": DATABASE})
        athena.create_work_group(
            Name=WORKGROUP, Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/results/"}}
        )

        # (a) trivial SELECT
        run(athena, "SELECT 1")  # warm imports and the first DuckDB connection
        trivial = sorted(run(athena, "SELECT 1")[0] for _ in range(20))

        # (b) 1M rows of Parquet
        big = Path(tmp) / "readings.parquet"
        readings(big, ROWS)
        s3.put_object(Bucket=BUCKET, Key="readings/part-0.parquet", Body=big.read_bytes())
        run(
            athena,
            f"CREATE EXTERNAL TABLE readings (vehicle string, ts bigint, speed double) "
            f"STORED AS PARQUET LOCATION 's3://{BUCKET}/readings/'",
        )
        cold = run(athena, AGGREGATE.format(source="readings"))[0]
        con = duckdb.connect(config={"threads": 2})
        compared = {}
        for name, sql in (("aggregate", AGGREGATE), ("windowed", WINDOWED)):
            local_runs, engine_runs, direct_runs = [], [], []
            for _ in range(ROUNDS):
                elapsed, execution = run(athena, sql.format(source="readings"))
                local_runs.append(elapsed)
                engine_runs.append(execution["Statistics"]["EngineExecutionTimeInMillis"] / 1000)
                started = time.perf_counter()
                con.execute(sql.format(source=f"read_parquet('{big}')")).fetchall()
                direct_runs.append(time.perf_counter() - started)
            compared[name] = (
                statistics.median(local_runs),
                statistics.median(engine_runs),
                statistics.median(direct_runs),
            )

        # (c) bytes scanned: one day of 30 vs a one-day table
        per_day = 20_000
        for day in range(DAYS):
            path = Path(tmp) / f"day{day}.parquet"
            readings(path, per_day, seed_day=day)
            dt = f"2024-01-{day + 1:02d}"
            s3.put_object(Bucket=BUCKET, Key=f"history/dt={dt}/part-0.parquet", Body=path.read_bytes())
            if day == 14:
                s3.put_object(Bucket=BUCKET, Key="oneday/part-0.parquet", Body=path.read_bytes())
        run(
            athena,
            f"CREATE EXTERNAL TABLE history (vehicle string, ts bigint, speed double) "
            f"PARTITIONED BY (dt string) STORED AS PARQUET LOCATION 's3://{BUCKET}/history/'",
        )
        run(athena, "MSCK REPAIR TABLE history")
        run(
            athena,
            f"CREATE EXTERNAL TABLE oneday (vehicle string, ts bigint, speed double) "
            f"STORED AS PARQUET LOCATION 's3://{BUCKET}/oneday/'",
        )
        one_of_30 = run(athena, "SELECT count(*), avg(speed) FROM history WHERE dt = '2024-01-15'")[1]
        one_day = run(athena, "SELECT count(*), avg(speed) FROM oneday")[1]
        all_30 = run(athena, "SELECT count(*), avg(speed) FROM history")[1]
        scanned_one_of_30 = one_of_30["Statistics"]["DataScannedInBytes"]
        scanned_one_day = one_day["Statistics"]["DataScannedInBytes"]
        scanned_all = all_30["Statistics"]["DataScannedInBytes"]

    p50, p95 = statistics.median(trivial), trivial[int(len(trivial) * 0.95) - 1]
    scan_ratio = scanned_one_of_30 / scanned_one_day
    print("| measure | goal | measured | ok |")
    print("| --- | --- | --- | --- |")
    print(
        f"| trivial SELECT, submit -> SUCCEEDED (median / p95 of 20) | < 200 ms | {p50 * 1000:.0f} ms / {p95 * 1000:.0f} ms | {'yes' if p95 < 0.2 else 'NO'} |"
    )
    for name, label in (("aggregate", "GROUP BY aggregate"), ("windowed", "LAG + RANGE-window query")):
        local, engine, direct = compared[name]
        ratio = local / direct
        note = f"; cold first run {cold * 1000:.0f} ms" if name == "aggregate" else ""
        print(
            f"| 1M-row Parquet {label}, submit -> SUCCEEDED (median of {ROUNDS}, warm) | within 2x of DuckDB "
            f"| {local * 1000:.0f} ms vs DuckDB {direct * 1000:.0f} ms = {ratio:.2f}x "
            f"(engine time {engine * 1000:.0f} ms = {engine / direct:.2f}x{note}) | {'yes' if ratio <= 2 else 'NO'} |"
        )
    print(
        f"| DataScannedInBytes, 1 day of a {DAYS}-day table vs a 1-day table | within 10% | {scanned_one_of_30:,} vs {scanned_one_day:,} B = {scan_ratio:.3f} (all {DAYS} days: {scanned_all:,} B) | {'yes' if abs(scan_ratio - 1) <= 0.1 else 'NO'} |"
    )


if __name__ == "__main__":
    main()

"""Traffic ETL benchmark: ``python -m bench.traffic_etl``.

(a) One generated day of at least a million raw lane records: the traffic INSERT on the local
    Athena (each raw line judged, submit -> SUCCEEDED, Parquet written to S3, partition
    registered) next to DuckDB running the same SQL (sqlglot's Trino -> DuckDB) directly on the
    same files, also writing Snappy Parquet. Reported as raw records per second.
(b) DataScannedInBytes of the run for one day with 1 day vs 30 days of history in the lake
    (goal: within 10%): the queries must prune to the partitions they need.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import sqlglot

from local import athena_queries
from local.aws import LocalAWS
from local.provision import provision
from local.sources import traffic as feed
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import PROCESSED_TABLE, REJECTS_TABLE, crawler_config, sql_params
from tests.support.traffic_sql import render as render_sql
from tests.support.traffic_sql import statements

DAY = date(2020, 7, 14)
SQL = Path(__file__).resolve().parents[1] / "include" / "sql" / "traffic"
BIG_DETECTORS = 300  # ~1.03 million lane records a day
HISTORY_DETECTORS = 12


def render(name: str, params: dict) -> str:
    return render_sql(SQL / name, params, "bench-1")


def athena(aws: LocalAWS, sql: str) -> tuple[float, dict]:
    started = time.perf_counter()
    execution = athena_queries.run(aws.client("athena"), sql, SETTINGS.lake_database, SETTINGS.athena_workgroup, 3600)
    return time.perf_counter() - started, execution


def crawl(aws: LocalAWS, prefix: str, name: str) -> float:
    glue = aws.client("glue")
    config = crawler_config(SETTINGS) | {
        "Name": name,
        "Targets": {"S3Targets": [{"Path": f"s3://{SETTINGS.raw_bucket}/{prefix}"}]},
    }
    config["TablePrefix"] = f"{name}_"
    del config["RecrawlPolicy"]
    glue.create_crawler(**config)
    started = time.perf_counter()
    glue.start_crawler(Name=name)
    while glue.get_crawler(Name=name)["Crawler"]["State"] != "READY":
        time.sleep(0.1)
    return time.perf_counter() - started


def params(prefix: str, name: str) -> dict:
    """SQL params for tables of their own over the raw folder ``prefix``."""
    return sql_params(SETTINGS) | {
        "raw_prefix": prefix,
        "lines_table": f"{name}_lines",
        "processed_table": f"{PROCESSED_TABLE}_{name}",
        "attempts_table": f"{PROCESSED_TABLE}_{name}_attempts",
        "rejects_table": f"{REJECTS_TABLE}_{name}",
        "rejects_attempts_table": f"{REJECTS_TABLE}_{name}_attempts",
        "date": DAY.isoformat(),
    }


def run_day(aws: LocalAWS, prefix: str, name: str) -> tuple[float, dict]:
    """The statements before the INSERT, then the timed INSERT of the day's rows."""
    values = params(prefix, name)
    etl = statements(values)
    insert = [s.task_id for s in etl].index("insert_day")
    for statement in etl[:insert]:
        athena(aws, statement.render(values, "bench-1"))
    return athena(aws, etl[insert].render(values, "bench-1"))


def duckdb_direct(aws: LocalAWS, prefix: str, out: Path) -> float:
    """The INSERT's SELECT, translated by sqlglot alone, over the same mirrored files."""
    objects = aws_files(aws, prefix)
    values = params(prefix, "duck")
    insert = render("insert_day.sql", values)
    select = insert.strip().split("\n", 1)[1]  # drop the INSERT INTO line
    duck_sql = sqlglot.transpile(select, read="trino", write="duckdb")[0]
    folder = "/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{2})/"
    con = duckdb.connect()
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SETTINGS.raw_database}")
    con.execute(
        f"""CREATE VIEW {SETTINGS.raw_database}.{values["lines_table"]} AS
            SELECT line,
                   regexp_extract(filename, '{folder}', 1) AS partition_0,
                   regexp_extract(filename, '{folder}', 2) AS partition_1,
                   regexp_extract(filename, '{folder}', 3) AS partition_2,
                   regexp_extract(filename, '{folder}', 4) AS partition_3
            FROM read_csv({[str(p) for p in objects]}, columns={{'line': 'VARCHAR'}}, header=false,
                          delim='\x01', quote='', escape='', auto_detect=false, filename=true)"""
    )
    started = time.perf_counter()
    con.execute(
        f"COPY ({duck_sql}) TO '{out}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (year, month, day, attempt))"
    )
    return time.perf_counter() - started


def aws_files(aws: LocalAWS, prefix: str) -> list[Path]:
    from local.aws.credentials import ACCOUNT_ID
    from local.aws.s3.files import S3Files

    files = S3Files(aws.data_dir / "s3", ACCOUNT_ID)
    return files.materialize(files.list(SETTINGS.raw_bucket, prefix))


def main() -> None:
    with LocalAWS(port=0) as aws, tempfile.TemporaryDirectory() as scratch:
        provision(aws.endpoint_url, SETTINGS)
        s3 = aws.client("s3")

        big = feed.write_range(
            s3, SETTINGS.raw_bucket, DAY, DAY, seed=7, detector_count=BIG_DETECTORS, prefix="big/traffic/"
        )
        crawl_seconds = crawl(aws, "big/traffic/", "big")
        # Warm the S3 mirror once for both engines, so neither pays for copying objects out of moto.
        aws_files(aws, "big/traffic/")
        athena_seconds, execution = run_day(aws, "big/traffic/", "big")
        duck_seconds = duckdb_direct(aws, "big/traffic/", Path(scratch) / "duck")

        one = feed.write_range(
            s3, SETTINGS.raw_bucket, DAY - timedelta(days=1), DAY + timedelta(days=1), seed=8,
            detector_count=HISTORY_DETECTORS, prefix="one/traffic/",
        )  # fmt: skip
        thirty = feed.write_range(
            s3, SETTINGS.raw_bucket, DAY - timedelta(days=28), DAY + timedelta(days=1), seed=8,
            detector_count=HISTORY_DETECTORS, prefix="thirty/traffic/",
        )  # fmt: skip
        scanned_one = run_day(aws, "one/traffic/", "one")[1]["Statistics"]["DataScannedInBytes"]
        scanned_30 = run_day(aws, "thirty/traffic/", "thirty")[1]["Statistics"]["DataScannedInBytes"]

    print(
        f"one day: {big.deliveries:,} raw lane records in {len(big.keys)} Firehose objects; crawl {crawl_seconds:.1f} s\n"
    )
    print("| what | result | goal |")
    print("|---|---|---|")
    print(
        f"| traffic ETL for one day, local Athena (INSERT, Parquet to S3, partition registered) | "
        f"{athena_seconds:.1f} s = {big.deliveries / athena_seconds:,.0f} raw records/s | - |"
    )
    print(
        f"| same SQL on DuckDB directly, same files, Parquet written | "
        f"{duck_seconds:.1f} s = {big.deliveries / duck_seconds:,.0f} raw records/s | "
        f"local Athena at {athena_seconds / duck_seconds:.2f}x |"
    )
    print(
        f"| bytes scanned for day D, 1 day vs 30 days of history ({one.deliveries:,} vs {thirty.deliveries:,} raw records) | "
        f"{scanned_one:,} vs {scanned_30:,} B ({scanned_30 / scanned_one:.3f}) | within 10% |"
    )
    if abs(scanned_30 / scanned_one - 1) > 0.10:
        raise SystemExit("bytes scanned grew with history")


if __name__ == "__main__":
    main()

"""Glue 5 Spark job: replayed Uber Movement rows of some arrival hours as typed Parquet (seed 004,
spec section 4).

Arguments: ``--hours YYYY-MM-DD-HH,...`` (arrival hours, UTC), ``--raw_bucket``, ``--lake_bucket``,
``--database`` (the lake Glue database), ``--attempt`` (this try's attempt name, pipelines.partitions).

Firehose lands the stream's JSON lines in ``s3://<raw>/uber_movement/YYYY/MM/DD/HH/`` by arrival
hour. Each line is typed into the spec's snake_case columns; ``Date Range``
(``1/1/2020 - 1/31/2020, Every day, Daily Average``) gives ``range_start`` and ``range_end``. A line
that cannot be typed (not a JSON object, or a row that breaks a rule of ``uber_movement_rules``,
shipped with ``--extra-py-files`` and applied by the ingest endpoint too: a replay_id not named
``<source file>:<row number>``, an id that is no integer, a travel time that is no finite number
or negative, a date range in another form or ending before it starts) is rejected: counted by
reason and written with its file to ``s3://<raw>/uber_movement_quarantine/arrival_hour=H/``,
replaced when H is typed again.

Kinesis and Firehose deliver at least once and a replay may be run twice, so a ``replay_id`` is
kept once: the first arrival (hour, then file) among the hours typed, and not at all if another
published hour already holds it. Each hour's rows go to this attempt's own location in
``travel_times_attempts`` and are registered there; the DAG checks the attempt and then switches
the hours' published partitions to it. An hour left with no row writes no partition. The figures
and the raw files read (key -> ETag, per hour) go to the job's output and to
``s3://<lake>/<reports_prefix><attempt>.json``. Where an attempt and a report go: ``attempt_layout``,
the module the DAGs share (``--extra-py-files``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import boto3
from attempt_layout import attempt_location, delete_prefix, objects, register_attempt, report_key
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T
from uber_movement_rules import DATE_RANGE, SOURCE_COLUMNS, reject_reason

RAW_PREFIX = "uber_movement/"
QUARANTINE_PREFIX = "uber_movement_quarantine/"
LAKE_PREFIX = "uber_movement/"
TABLE = "travel_times"
CORRUPT = "_corrupt_record"
LAKE_COLUMNS = [
    "origin_movement_id", "origin_display_name", "destination_movement_id", "destination_display_name",
    "date_range", "range_start", "range_end", "mean_travel_time_seconds", "lower_bound_travel_time_seconds",
    "upper_bound_travel_time_seconds", "replay_id",
]  # fmt: skip
# Numbers may arrive as JSON numbers (the ingest endpoint) or strings (the CSV): read both as text.
RAW_SCHEMA = T.StructType(
    [T.StructField(name, T.StringType()) for name in [*SOURCE_COLUMNS, "replay_id"]]
    + [T.StructField(CORRUPT, T.StringType())]
)


def hour_prefix(hour: str) -> str:
    return f"{hour[0:4]}/{hour[5:7]}/{hour[8:10]}/{hour[11:13]}/"


def list_files(s3: Any, bucket: str, prefix: str) -> dict[str, str]:
    """key -> ETag of every object under ``prefix``."""
    return {o["Key"]: o["ETag"].strip('"') for o in objects(s3, bucket, prefix)}


def typed(lines: DataFrame) -> DataFrame:
    """Each line parsed and typed, with why it is rejected (NULL: it is a row of the lake).

    Whether a row is typable is decided by uber_movement_rules, which the ingest endpoint applies
    too; the casts below then only convert what those rules accepted."""
    parsed = lines.select(
        "value",
        "file",
        "arrival_hour",
        F.from_json("value", RAW_SCHEMA, {"columnNameOfCorruptRecord": CORRUPT}).alias("r"),
    ).select("value", "file", "arrival_hour", "r.*")
    row_reason = F.udf(lambda row: reject_reason(row.asDict()), T.StringType())
    reason = (
        F.when(F.trim("value") == "", F.lit("empty line"))
        .when(F.col(CORRUPT).isNotNull(), F.lit("not a JSON object"))
        .otherwise(row_reason(F.struct(*[F.col(f"`{name}`") for name in [*SOURCE_COLUMNS, "replay_id"]])))
    )
    columns = {}
    for source, (name, kind) in SOURCE_COLUMNS.items():
        text = F.col(f"`{source}`")
        columns[name] = F.trim(text).cast(kind) if kind != "string" else text
    dates = [F.regexp_extract(F.col("`Date Range`"), DATE_RANGE, group).cast("int") for group in range(1, 7)]
    columns["range_start"] = F.make_date(dates[2], dates[0], dates[1])
    columns["range_end"] = F.make_date(dates[5], dates[3], dates[4])
    columns["replay_id"] = F.col("replay_id")
    out = parsed.withColumn("reason", reason)
    return out.select("value", "file", "arrival_hour", "reason", *[c.alias(n) for n, c in columns.items()])


def main() -> None:
    names = ["JOB_NAME", "hours", "raw_bucket", "lake_bucket", "database", "reports_prefix", "attempt"]
    args = getResolvedOptions(sys.argv, names)
    hours = sorted(filter(None, args["hours"].split(",")))
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    s3, glue = boto3.client("s3"), boto3.client("glue")
    raw, lake, database, attempt = args["raw_bucket"], args["lake_bucket"], args["database"], args["attempt"]

    files = {hour: list_files(s3, raw, RAW_PREFIX + hour_prefix(hour)) for hour in hours}
    report: dict[str, Any] = {"attempt": attempt, "hours": {}, "files": files}
    frames = [
        spark.read.text([f"s3://{raw}/{key}" for key in sorted(keys)])
        .withColumn("file", F.input_file_name())
        .withColumn("arrival_hour", F.lit(hour))
        for hour, keys in files.items()
        if keys
    ]
    for hour in hours:
        delete_prefix(s3, raw, f"{QUARANTINE_PREFIX}arrival_hour={hour}/")
    if frames:
        lines = typed(_union(frames)).cache()
        good = lines.filter(F.col("reason").isNull())
        first = Window.partitionBy("replay_id").orderBy("arrival_hour", "file", "value")
        unique = good.withColumn("nth", F.row_number().over(first)).filter(F.col("nth") == 1).drop("nth")
        published = published_replay_ids(spark, glue, database, hours)
        if published is not None:
            unique = unique.join(published, "replay_id", "left_anti")
        unique = unique.cache()
        for hour in hours:
            report["hours"][hour] = {"files": len(files[hour]), "lines": 0, "rejected": 0, "rejected_by_reason": {}}
        for row in lines.groupBy("arrival_hour", "reason").count().collect():
            figures = report["hours"][row["arrival_hour"]]
            figures["lines"] += row["count"]
            if row["reason"] is not None:
                figures["rejected"] += row["count"]
                figures["rejected_by_reason"][row["reason"]] = row["count"]
        written = {row["arrival_hour"]: row["count"] for row in unique.groupBy("arrival_hour").count().collect()}
        for hour, figures in report["hours"].items():
            figures["rows"] = written.get(hour, 0)
            figures["duplicates_dropped"] = figures["lines"] - figures["rejected"] - figures["rows"]
            if figures["rejected"]:
                rejected = lines.filter((F.col("arrival_hour") == hour) & F.col("reason").isNotNull())
                rejected.select(F.col("value").alias("line"), "reason", "file").coalesce(1).write.mode(
                    "overwrite"
                ).json(f"s3://{raw}/{QUARANTINE_PREFIX}arrival_hour={hour}/")
            if figures["rows"]:
                rows = unique.filter(F.col("arrival_hour") == hour).select(*LAKE_COLUMNS)
                write_attempt(glue, lake, database, rows, hour, attempt)
    else:
        report["hours"] = {hour: {"files": 0, "lines": 0, "rejected": 0, "rejected_by_reason": {}, "rows": 0,
                                  "duplicates_dropped": 0} for hour in hours}  # fmt: skip
    print("uber movement report: " + json.dumps({k: v for k, v in report.items() if k != "files"}, sort_keys=True))
    report_to = report_key(args["reports_prefix"], attempt)
    s3.put_object(Bucket=lake, Key=report_to, Body=json.dumps(report).encode())
    job.commit()


def _union(frames: list[DataFrame]) -> DataFrame:
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    return union


def published_replay_ids(spark: Any, glue: Any, database: str, hours: list[str]) -> DataFrame | None:
    """The replay_ids of the published hours other than ``hours`` (None when there are none)."""
    locations = []
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=TABLE):
        locations += [
            p["StorageDescriptor"]["Location"] for p in page["Partitions"] if p["Values"][0] not in set(hours)
        ]
    if not locations:
        return None
    return spark.read.parquet(*locations).select("replay_id").distinct()


def write_attempt(glue: Any, lake: str, database: str, rows: DataFrame, hour: str, attempt: str) -> None:
    """Write one hour into the attempts table at this attempt's location and register it."""
    location = attempt_location(f"s3://{lake}/{LAKE_PREFIX}", TABLE, f"arrival_hour={hour}/", attempt)
    rows.coalesce(1).write.mode("overwrite").option("compression", "snappy").parquet(location)
    register_attempt(glue, database, TABLE, [hour], attempt, location)


if __name__ == "__main__":
    main()

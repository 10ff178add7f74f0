"""Glue 5 Spark job: the web hits of hour H counted three ways (seed 002, spec section 3).

Arguments: ``--hour YYYY-MM-DDTHH`` (UTC), ``--raw_bucket``, ``--lake_bucket``, ``--database``
(the aggregated Glue database), ``--attempt`` (this try's attempt name, pipelines.partitions).

A hit belongs to H by its Timestamp in UTC. Its folder is its own UTC minute, but a line may be
written in the folder next to it (a writer flushing at the turn of the hour), so the job reads
the folders of H-1, H and H+1 and counts the hits whose UTC time is in [H, H+1). Lines of H's
own folder that are no hit (not a JSON object with the expected types, empty, without or with
an unreadable Timestamp, or stamped more than an hour from their folder, which no run reads)
are rejected by this run alone: counted, and written with their reason and file to
``s3://<raw>/web_hits/_quarantine/year=/month=/day=/hour=/``, replaced on rerun.

Each aggregate is written to this attempt's own location in the table's attempts table and
registered there; the DAG checks the attempt and only then switches the published partitions
to it (one Glue call each), so a rerun replaces H exactly and readers never see a half-written
hour. An hour without hits writes no partition. The figures go to the job's output and to
``s3://<lake>/web_hits/_reports/<attempt>.json`` for the DAG's check.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

RAW_PREFIX = "web_hits/"
CORRUPT = "_corrupt_record"
HIT_SCHEMA = T.StructType(
    [
        T.StructField("GroupID", T.IntegerType()),
        T.StructField("CountryCode", T.StringType()),
        T.StructField("UserAgent", T.StringType()),
        T.StructField("Language", T.StringType()),
        T.StructField("Domain", T.StringType()),
        T.StructField("Timestamp", T.StringType()),
        T.StructField(CORRUPT, T.StringType()),
    ]
)
# table -> (grouping columns as (raw field, output column), output format)
AGGREGATES = {
    "hits_by_country": ([("CountryCode", "country_code")], "parquet"),
    "hits_by_domain_and_groupid": ([("Domain", "domain"), ("GroupID", "group_id")], "json"),
    "hits_by_useragent": ([("UserAgent", "user_agent")], "parquet"),
}
FOLDER_HOUR = r"year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/"


def hour_values(hour: datetime) -> list[str]:
    return [f"{hour:%Y}", f"{hour:%m}", f"{hour:%d}", f"{hour:%H}"]


def hour_prefix(hour: datetime) -> str:
    year, month, day, hh = hour_values(hour)
    return f"year={year}/month={month}/day={day}/hour={hh}/"


def list_files(s3: Any, bucket: str, prefix: str) -> list[tuple[str, int]]:
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        files += [(o["Key"], o["Size"]) for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return files


def classify(lines: DataFrame, hour: datetime) -> DataFrame:
    """Each line with its parsed fields, its UTC time, and why it is rejected (NULL: it is a hit)."""
    parsed = lines.select(
        "value",
        "file",
        F.from_json("value", HIT_SCHEMA, {"columnNameOfCorruptRecord": CORRUPT}).alias("hit"),
    ).select("value", "file", "hit.*")
    folder = F.to_timestamp(
        F.concat_ws(
            "",
            F.regexp_extract("file", FOLDER_HOUR, 1), F.lit("-"), F.regexp_extract("file", FOLDER_HOUR, 2),
            F.lit("-"), F.regexp_extract("file", FOLDER_HOUR, 3), F.lit(" "), F.regexp_extract("file", FOLDER_HOUR, 4),
        ),
        "yyyy-MM-dd HH",
    )  # fmt: skip
    at = F.to_timestamp("Timestamp")
    distance = F.abs(F.unix_timestamp(F.date_trunc("hour", at)) - F.unix_timestamp(folder))
    reason = (
        F.when(F.col(CORRUPT).isNotNull(), F.lit("not a JSON object with the expected field types"))
        .when(F.trim("value") == "", F.lit("empty line"))
        .when(F.col("Timestamp").isNull(), F.lit("missing Timestamp"))
        .when(at.isNull(), F.lit("Timestamp is not ISO-8601"))
        .when(distance > 3600, F.lit("Timestamp more than an hour from its folder"))
    )
    return parsed.withColumn("at", at).withColumn("folder", folder).withColumn("reason", reason)


def main() -> None:
    args = getResolvedOptions(sys.argv, ["JOB_NAME", "hour", "raw_bucket", "lake_bucket", "database", "attempt"])
    hour = datetime.strptime(args["hour"], "%Y-%m-%dT%H").replace(tzinfo=UTC)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    s3, glue = boto3.client("s3"), boto3.client("glue")

    raw, lake, attempt = args["raw_bucket"], args["lake_bucket"], args["attempt"]
    files = []
    for folder_hour in (hour - timedelta(hours=1), hour, hour + timedelta(hours=1)):
        files += list_files(s3, raw, RAW_PREFIX + hour_prefix(folder_hour))
    report = {
        "hour": args["hour"],
        "attempt": attempt,
        "files_read": len(files),
        "bytes_read": sum(size for _, size in files),
        "lines_in_hour_folder": 0,
        "hits_counted": 0,
        "rejected": 0,
        "rejected_by_reason": {},
        "rows": {table: 0 for table in AGGREGATES},
    }
    if files:
        lines = spark.read.text([f"s3://{raw}/{key}" for key, _ in files]).withColumn("file", F.input_file_name())
        lines = classify(lines, hour).cache()
        start, end = (
            F.lit(hour.strftime("%Y-%m-%d %H:%M:%S")),
            F.lit((hour + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")),
        )
        own = lines.filter(F.col("folder") == F.to_timestamp(start))
        hits = lines.filter(
            F.col("reason").isNull() & (F.col("at") >= F.to_timestamp(start)) & (F.col("at") < F.to_timestamp(end))
        )
        rejected = own.filter(F.col("reason").isNotNull())
        report["lines_in_hour_folder"] = own.count()
        report["rejected_by_reason"] = {
            row["reason"]: row["count"] for row in rejected.groupBy("reason").count().collect()
        }
        report["rejected"] = sum(report["rejected_by_reason"].values())
        quarantine = f"s3://{raw}/{RAW_PREFIX}_quarantine/{hour_prefix(hour)}"
        delete_prefix(s3, raw, quarantine.removeprefix(f"s3://{raw}/"))
        if report["rejected"]:
            rejected.select(F.col("value").alias("line"), "reason", "file").coalesce(1).write.mode("overwrite").json(
                quarantine
            )
        hits = hits.cache()
        report["hits_counted"] = hits.count()
        if report["hits_counted"]:
            for table, (columns, fmt) in AGGREGATES.items():
                report["rows"][table] = write_attempt(
                    glue, lake, args["database"], table, columns, fmt, hits, hour, attempt
                )
    print("web hits report: " + json.dumps(report, sort_keys=True))
    s3.put_object(Bucket=lake, Key=f"{RAW_PREFIX}_reports/{attempt}.json", Body=json.dumps(report).encode())
    job.commit()


def write_attempt(
    glue: Any,
    lake: str,
    database: str,
    table: str,
    columns: list[tuple[str, str]],
    fmt: str,
    hits: DataFrame,
    hour: datetime,
    attempt: str,
) -> int:
    """Write one aggregate into its attempts table at this attempt's location and register it."""
    counts = hits.groupBy(*[F.col(raw).alias(name) for raw, name in columns]).agg(F.count(F.lit(1)).alias("hit_count"))
    counts = counts.coalesce(1).cache()
    location = f"s3://{lake}/{RAW_PREFIX}{table}_attempts/{hour_prefix(hour)}attempt={attempt}/"
    writer = counts.write.mode("overwrite")
    (writer.option("compression", "snappy").parquet(location) if fmt == "parquet" else writer.json(location))
    attempts = f"{table}_attempts"
    descriptor = dict(glue.get_table(DatabaseName=database, Name=attempts)["Table"]["StorageDescriptor"])
    descriptor["Location"] = location
    values = [*hour_values(hour), attempt]
    try:
        glue.create_partition(
            DatabaseName=database,
            TableName=attempts,
            PartitionInput={"Values": values, "StorageDescriptor": descriptor},
        )
    except glue.exceptions.AlreadyExistsException:  # this try ran the job before (an Airflow retry of the same try)
        glue.update_partition(
            DatabaseName=database,
            TableName=attempts,
            PartitionValueList=values,
            PartitionInput={"Values": values, "StorageDescriptor": descriptor},
        )
    return counts.count()


def delete_prefix(s3: Any, bucket: str, prefix: str) -> None:
    for key_batch in _batches([key for key, _ in list_files(s3, bucket, prefix)], 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in key_batch], "Quiet": True})


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


if __name__ == "__main__":
    main()

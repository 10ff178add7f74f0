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

One scan parses the three folders with Spark's JSON source into a small summary (hits counted by
all four keys, rejects by file); the aggregates come from the summary, and only the few files
holding rejected or blank lines are read again as text, to quarantine each line as it was.

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
from functools import reduce
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


def with_folder(frame: DataFrame, folder: datetime) -> DataFrame:
    return frame.withColumn("file", F.input_file_name()).withColumn(
        "folder", F.to_timestamp(F.lit(folder.strftime("%Y-%m-%d %H:%M:%S")))
    )


def read_hits(spark: Any, raw: str, files_by_folder: dict[datetime, list[str]]) -> DataFrame:
    """The listed files parsed by Spark's JSON source (4x faster than parsing text with from_json), with
    file and folder hour; a malformed line keeps its text in the corrupt-record column, a blank one is skipped."""
    reader = spark.read.schema(HIT_SCHEMA).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
    frames = [
        with_folder(reader.json([f"s3://{raw}/{key}" for key in keys]), folder)
        for folder, keys in files_by_folder.items()
        if keys
    ]
    return reduce(DataFrame.unionAll, frames)


def read_lines(spark: Any, paths: list[str], folder: datetime) -> DataFrame:
    """Every line of these files as text and parsed (blank ones too), for the quarantine's exact lines."""
    lines = with_folder(spark.read.text(paths), folder)
    return lines.select(
        "value", "file", "folder", F.from_json("value", HIT_SCHEMA, {"columnNameOfCorruptRecord": CORRUPT}).alias("hit")
    ).select("value", "file", "folder", "hit.*")


def classify(parsed: DataFrame) -> DataFrame:
    """Each parsed line with its UTC time and why it is rejected (NULL: it is a hit)."""
    parsed = parsed.withColumn("at", F.to_timestamp("Timestamp"))
    # Its hour more than an hour from its folder's: at outside [folder - 1h, folder + 2h).
    far = (F.col("at") < F.col("folder") - F.expr("INTERVAL 1 HOUR")) | (
        F.col("at") >= F.col("folder") + F.expr("INTERVAL 2 HOURS")
    )
    blank = F.trim("value") == "" if "value" in parsed.columns else F.lit(False)
    reason = (
        F.when(F.col(CORRUPT).isNotNull(), F.lit("not a JSON object with the expected field types"))
        .when(blank, F.lit("empty line"))
        .when(F.col("Timestamp").isNull(), F.lit("missing Timestamp"))
        .when(F.col("at").isNull(), F.lit("Timestamp is not ISO-8601"))
        .when(far, F.lit("Timestamp more than an hour from its folder"))
    )
    return parsed.withColumn("reason", reason)


def summarize(lines: DataFrame, hour: datetime) -> DataFrame:
    """The classified lines counted by kind: hits by all four keys, rejected lines by file.

    One scan of the files yields this small table; the three aggregates and the list of files
    to quarantine lines from are computed from it (hit counts add up exactly, as counts do).
    """
    start = F.to_timestamp(F.lit(hour.strftime("%Y-%m-%d %H:%M:%S")))
    end = F.to_timestamp(F.lit((hour + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")))
    own = F.col("folder") == start
    kind = (
        F.when(F.col("reason").isNull() & (F.col("at") >= start) & (F.col("at") < end), F.lit("hit"))
        .when(F.col("reason").isNotNull() & own, F.lit("rejected"))
        .otherwise(F.lit("other"))  # a neighbour hour's hit or reject, or a line of H's folder stamped next door
    )
    lines = lines.withColumn("own", own).withColumn("kind", kind)
    hit, rejected = F.col("kind") == "hit", F.col("kind") == "rejected"
    return lines.groupBy(
        "kind",
        "own",
        *[F.when(hit, F.col(name)).alias(name) for name in ("CountryCode", "Domain", "GroupID", "UserAgent")],
        F.when(rejected, F.col("file")).alias("file"),
    ).agg(F.count(F.lit(1)).alias("n"))


def blank_lines(spark: Any, paths: list[str]) -> DataFrame:
    """Blank lines per file (the JSON source skips them; a feed that writes them should be seen)."""
    lines = spark.read.text(paths).filter(F.trim("value") == "")
    return lines.groupBy(F.input_file_name().alias("file")).agg(F.count(F.lit(1)).alias("n"))


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
    files_by_folder = {
        folder: list_files(s3, raw, RAW_PREFIX + hour_prefix(folder))
        for folder in (hour - timedelta(hours=1), hour, hour + timedelta(hours=1))
    }
    files = [file for listed in files_by_folder.values() for file in listed]
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
        keys_by_folder = {folder: [key for key, _ in listed] for folder, listed in files_by_folder.items()}
        summary = summarize(classify(read_hits(spark, raw, keys_by_folder)), hour).cache()  # small
        figures = summary.groupBy("kind", "own", "file").agg(F.sum("n").alias("n")).collect()
        own_files = [f"s3://{raw}/{key}" for key in keys_by_folder[hour]]
        blank_files = {row["file"]: row["n"] for row in blank_lines(spark, own_files).collect()} if own_files else {}
        report["lines_in_hour_folder"] = sum(row["n"] for row in figures if row["own"]) + sum(blank_files.values())
        report["hits_counted"] = sum(row["n"] for row in figures if row["kind"] == "hit")
        with_rejects = sorted({row["file"] for row in figures if row["kind"] == "rejected"} | set(blank_files))
        quarantine = f"s3://{raw}/{RAW_PREFIX}_quarantine/{hour_prefix(hour)}"
        delete_prefix(s3, raw, quarantine.removeprefix(f"s3://{raw}/"))
        if with_rejects:  # the few files with rejected lines, read again as text to keep each line as it was
            rejected = classify(read_lines(spark, with_rejects, hour)).filter(F.col("reason").isNotNull()).cache()
            report["rejected_by_reason"] = {
                row["reason"]: row["count"] for row in rejected.groupBy("reason").count().collect()
            }
            report["rejected"] = sum(report["rejected_by_reason"].values())
            rejected.select(F.col("value").alias("line"), "reason", "file").coalesce(1).write.mode("overwrite").json(
                quarantine
            )
        if report["hits_counted"]:
            hits = summary.filter(F.col("kind") == "hit")
            rows = hits.agg(
                *[
                    F.countDistinct(F.struct(*[raw for raw, _ in columns])).alias(t)
                    for t, (columns, _) in AGGREGATES.items()
                ]
            ).first()  # a struct is never NULL: a NULL key is a group (and a row) too
            report["rows"] = rows.asDict()
            for table, (columns, fmt) in AGGREGATES.items():
                write_attempt(glue, lake, args["database"], table, columns, fmt, hits, hour, attempt)
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
) -> None:
    """Write one aggregate into its attempts table at this attempt's location and register it."""
    counts = hits.groupBy(*[F.col(raw).alias(name) for raw, name in columns]).agg(F.sum("n").alias("hit_count"))
    counts = counts.coalesce(1)
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


def delete_prefix(s3: Any, bucket: str, prefix: str) -> None:
    for key_batch in _batches([key for key, _ in list_files(s3, bucket, prefix)], 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in key_batch], "Quiet": True})


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


if __name__ == "__main__":
    main()

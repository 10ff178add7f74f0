"""Glue 5 Spark job: the web hits of hour H counted three ways (seed 002, spec section 3).

Arguments: ``--hour YYYY-MM-DDTHH`` (UTC), ``--raw_bucket``, ``--lake_bucket``, ``--database``
(the aggregated Glue database), ``--reports_prefix``, ``--attempt`` (this try's attempt name,
pipelines.partitions). Where an attempt and a report go: ``attempt_layout``, the module the
DAGs share (``--extra-py-files``).

A hit belongs to H by its Timestamp in UTC. Its folder is its own UTC minute, but a line may be
written in the folder next to it (a writer flushing at the turn of the hour), so the job reads
the folders of H-1, H and H+1 and counts the hits whose UTC time is in [H, H+1). Lines of H's
own folder that are no hit (not UTF-8 text, empty, not a JSON object with the expected types,
without or with an unreadable Timestamp, or stamped more than an hour from their folder, which
no run reads) are rejected by this run alone: counted, and written with their reason and file to
``s3://<raw>/web_hits/_quarantine/year=/month=/day=/hour=/``, replaced on rerun. A byte order
mark opening a line is ignored, as JSON parsers may (RFC 8259).

One scan reads the three folders as lines and classifies each line once into a small summary
(hits counted by all four keys, rejected lines by file, text and reason); the aggregates, the
quarantine and the report come from it. H's folder's lines are also counted from their bytes,
apart: the DAG's check fails the run unless every one of them is a hit, another hour's line, or
rejected (pipelines.web_hits.checks).

Each aggregate is written to this attempt's own location in the table's attempts table and
registered there; the DAG checks the attempt and only then switches the published partitions
to it (one Glue call each), so a rerun replaces H exactly and readers never see a half-written
hour. An hour without hits writes no partition. The figures go to the job's output and to
``s3://<lake>/<reports_prefix><attempt>.json`` for the DAG's check.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

import boto3
from attempt_layout import attempt_location, delete_prefix, objects, register_attempt, report_key
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
    return [(o["Key"], o["Size"]) for o in objects(s3, bucket, prefix)]


def with_folder(frame: DataFrame, folder: datetime) -> DataFrame:
    return frame.withColumn("file", F.input_file_name()).withColumn(
        "folder", F.to_timestamp(F.lit(folder.strftime("%Y-%m-%d %H:%M:%S")))
    )


def read_lines(spark: Any, paths_by_folder: dict[datetime, list[str]]) -> DataFrame:
    """Every line of the files (split at LF, CRLF or CR; blank ones too) with its file and folder
    hour, parsed. One reading decides everything about a line, so a line is counted once: as a
    hit, as a reject or as another hour's."""
    frames = [with_folder(spark.read.text(paths), folder) for folder, paths in paths_by_folder.items() if paths]
    lines = reduce(DataFrame.unionAll, frames)
    # The text source keeps a line's bytes as they are; decoding replaces what is not UTF-8,
    # so a line whose bytes do not survive the round trip is not UTF-8 text.
    raw_bytes = F.col("value").cast("binary")
    utf8 = F.encode(F.decode(raw_bytes, "UTF-8"), "UTF-8") == raw_bytes
    text = F.regexp_replace("value", "^\ufeff", "")  # a byte order mark, which JSON parsers may ignore (RFC 8259)
    parsed = F.from_json(text, HIT_SCHEMA, {"columnNameOfCorruptRecord": CORRUPT})
    return lines.select("value", "file", "folder", utf8.alias("utf8"), parsed.alias("hit")).select(
        "value", "file", "folder", "utf8", "hit.*"
    )


def classify(parsed: DataFrame) -> DataFrame:
    """Each parsed line with its UTC time and why it is rejected (NULL: it is a hit)."""
    parsed = parsed.withColumn("at", F.to_timestamp("Timestamp"))
    # Its hour more than an hour from its folder's: at outside [folder - 1h, folder + 2h).
    far = (F.col("at") < F.col("folder") - F.expr("INTERVAL 1 HOUR")) | (
        F.col("at") >= F.col("folder") + F.expr("INTERVAL 2 HOURS")
    )
    reason = (
        F.when(~F.col("utf8"), F.lit("not UTF-8 text"))
        .when(F.trim("value") == "", F.lit("empty line"))
        .when(F.col(CORRUPT).isNotNull(), F.lit("not a JSON object with the expected field types"))
        .when(F.col("Timestamp").isNull(), F.lit("missing Timestamp"))
        .when(F.col("at").isNull(), F.lit("Timestamp is not ISO-8601"))
        .when(far, F.lit("Timestamp more than an hour from its folder"))
    )
    return parsed.withColumn("reason", reason)


def summarize(lines: DataFrame, hour: datetime) -> DataFrame:
    """The classified lines counted by kind: hits by all four keys, rejected lines by file, line
    and reason (they are few), the rest by kind alone.

    One scan of the files yields this small table; the three aggregates, the quarantine and the
    report's figures are computed from it (hit counts add up exactly, as counts do).
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
        *[F.when(rejected, F.col(name)).alias(name) for name in ("file", "value", "reason", "utf8")],
    ).agg(F.count(F.lit(1)).alias("n"))


def figures(summary: DataFrame) -> dict[str, Any]:
    """The report's counts of the hour's lines, by kind (hits, rejected by reason, other hours')."""
    rows = summary.groupBy("kind", "own", "reason").agg(F.sum("n").alias("n")).collect()
    rejected = {row["reason"]: row["n"] for row in rows if row["kind"] == "rejected"}
    return {
        "hits_counted": sum(row["n"] for row in rows if row["kind"] == "hit"),
        "hits_from_hour_folder": sum(row["n"] for row in rows if row["kind"] == "hit" and row["own"]),
        "lines_of_other_hours": sum(row["n"] for row in rows if row["kind"] == "other" and row["own"]),
        "rejected_by_reason": rejected,
        "rejected": sum(rejected.values()),
    }


def count_lines(spark: Any, paths: list[str]) -> int:
    """The files' lines counted from their bytes, apart from the text source that classifies them
    (LF, CRLF and CR end a line, as there): what the check holds every line's kind against."""
    if not paths:
        return 0
    return spark.sparkContext.binaryFiles(",".join(paths)).map(lambda item: len(item[1].splitlines())).sum()


def quarantine_lines(summary: DataFrame) -> DataFrame:
    """The rejected lines as they were (``line_base64`` too when they are not UTF-8 text)."""
    rejected = summary.filter(F.col("kind") == "rejected")
    line = F.struct(
        F.col("value").alias("line"),
        F.when(~F.col("utf8"), F.base64(F.col("value").cast("binary"))).alias("line_base64"),
        "reason",
        "file",
    )
    return rejected.select(F.explode(F.array_repeat(line, F.col("n").cast("int"))).alias("q")).select("q.*")


def main() -> None:
    names = ["JOB_NAME", "hour", "raw_bucket", "lake_bucket", "database", "reports_prefix", "attempt"]
    args = getResolvedOptions(sys.argv, names)
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
        "lines_in_hour_folder": 0,  # counted from the bytes; each is a hit of H, another hour's, or rejected
        "hits_counted": 0,
        "hits_from_hour_folder": 0,
        "lines_of_other_hours": 0,
        "rejected": 0,
        "rejected_by_reason": {},
        "rows": {table: 0 for table in AGGREGATES},
    }
    if files:
        paths = {folder: [f"s3://{raw}/{key}" for key, _ in listed] for folder, listed in files_by_folder.items()}
        summary = summarize(classify(read_lines(spark, paths)), hour).cache()  # small
        report["lines_in_hour_folder"] = count_lines(spark, paths[hour])
        report.update(figures(summary))
        quarantine = f"s3://{raw}/{RAW_PREFIX}_quarantine/{hour_prefix(hour)}"
        delete_prefix(s3, raw, quarantine.removeprefix(f"s3://{raw}/"))
        if report["rejected"]:
            quarantine_lines(summary).coalesce(1).write.mode("overwrite").json(quarantine)
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
    report_to = report_key(args["reports_prefix"], attempt)
    s3.put_object(Bucket=lake, Key=report_to, Body=json.dumps(report).encode())
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
    location = attempt_location(f"s3://{lake}/{RAW_PREFIX}", table, hour_prefix(hour), attempt)
    writer = counts.write.mode("overwrite")
    (writer.option("compression", "snappy").parquet(location) if fmt == "parquet" else writer.json(location))
    register_attempt(glue, database, table, hour_values(hour), attempt, location)


if __name__ == "__main__":
    main()

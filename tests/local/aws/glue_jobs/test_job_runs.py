"""Glue job runs on the local AWS run their scripts for real (direct boto3 calls)."""

from __future__ import annotations

import json
import textwrap
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import SETTINGS

BUCKET = SETTINGS.artifacts_bucket
ROLE = "arn:aws:iam::123456789012:role/glue-jobs-tests"
FINISHED = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR")

# Reads JSON from S3 with plain Spark and through the catalog, aggregates, writes partitioned
# Parquet (Spark writer, overwrite) and partitioned JSON and Parquet (GlueContext writer).
AGGREGATE_SCRIPT = """
import sys

from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.transforms import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "out", "multiplier", "label", "database"])
glue = GlueContext(SparkContext.getOrCreate())
spark = glue.spark_session
job = Job(glue)
job.init(args["JOB_NAME"], args)
out = args["out"]

sales = spark.read.json(args["input"])
print(f"read {sales.count()} sales rows for job {args['JOB_NAME']} run {args['JOB_RUN_ID']}")
rates = glue.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": [f"{out}rates/"]}, format="csv", format_options={"withHeader": True}
).toDF()
totals = (
    sales.groupBy("country")
    .agg((F.sum("amount") * int(args["multiplier"])).alias("total"), F.count("*").alias("orders"))
    .withColumn("label", F.lit(args["label"]))
    .join(rates, "country", "left")
)
totals.write.mode("overwrite").partitionBy("country").parquet(f"{out}totals/")

clicks = glue.create_dynamic_frame.from_catalog(
    database=args["database"], table_name="clicks", push_down_predicate="dt = '2026-03-02'"
)
typed = ApplyMapping.apply(
    frame=clicks,
    mappings=[("user", "string", "user_id", "string"), ("n", "long", "clicks", "int"), ("dt", "string", "dt", "string")],
)
per_user = typed.toDF().groupBy("dt", "user_id").agg(F.sum("clicks").alias("clicks"))
glue.write_dynamic_frame.from_options(
    frame=DynamicFrame.fromDF(per_user, glue, "per_user"),
    connection_type="s3",
    connection_options={"path": f"{out}per_user/", "partitionKeys": ["dt"]},
    format="json",
)

arrivals = glue.create_dynamic_frame.from_catalog(
    database=args["database"], table_name="arrivals", push_down_predicate="partition_1 LIKE '04%'"
)
glue.write_dynamic_frame.from_options(
    frame=arrivals,
    connection_type="s3",
    connection_options={"path": f"{out}arrivals/", "partitionKeys": ["partition_0"]},
    format="parquet",
)

nothing = glue.create_dynamic_frame.from_catalog(
    database=args["database"], table_name="clicks", push_down_predicate="dt = '1999-12-31'"
)
print(f"empty day: {nothing.count()} rows, columns {nothing.toDF().columns}")
glue.write_dynamic_frame.from_options(
    frame=nothing, connection_type="s3", connection_options={"path": f"{out}empty/"}, format="json"
)
glue.purge_s3_path(f"{out}scratch/", {"retentionPeriod": 0})
glue.purge_s3_path(f"{out}recent/")  # Glue keeps objects younger than 7 days by default
job.commit()
"""


def _script(local_aws, name: str, body: str) -> str:
    key = f"glue-jobs-tests/{name}.py"
    local_aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=textwrap.dedent(body).encode())
    return f"s3://{BUCKET}/{key}"


def _create_job(local_aws, body: str, **kwargs) -> str:
    name = f"job-{uuid.uuid4().hex[:8]}"
    local_aws.client("glue").create_job(
        Name=name,
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": _script(local_aws, name, body), "PythonVersion": "3"},
        GlueVersion="5.0",
        **kwargs,
    )
    return name


def _wait(glue, job: str, run_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] in FINISHED or time.monotonic() > deadline:
            return run
        time.sleep(0.5)


def _log_lines(local_aws, group: str, run_id: str) -> list[str]:
    events = local_aws.client("logs").filter_log_events(logGroupName=group, logStreamNames=[run_id])["events"]
    return [e["message"] for e in events]


def _keys(local_aws, prefix: str) -> list[str]:
    pages = local_aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def _download(local_aws, keys: list[str], folder: Path) -> list[Path]:
    s3 = local_aws.client("s3")
    paths = []
    for key in keys:
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(BUCKET, key, str(path))
        paths.append(path)
    return paths


def _json_table(local_aws, database: str, name: str, keys: list[str], partitions: dict[str, list[dict]]) -> None:
    """A JSON table with ``partitions`` (relative folder -> rows) catalogued under ``s3://BUCKET/<database>/<name>/``."""
    glue, s3 = local_aws.client("glue"), local_aws.client("s3")
    location = f"s3://{BUCKET}/{database}/{name}/"
    sd = {
        "Columns": [{"Name": "user", "Type": "string"}, {"Name": "n", "Type": "bigint"}],
        "Location": location,
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    }
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": name,
            "StorageDescriptor": sd,
            "PartitionKeys": [{"Name": k, "Type": "string"} for k in keys],
            "Parameters": {"classification": "json"},
        },
    )
    for folder, rows in partitions.items():
        body = "\n".join(json.dumps(r) for r in rows) + "\n"
        s3.put_object(Bucket=BUCKET, Key=f"{database}/{name}/{folder}/part-0.json", Body=body.encode())
        values = [part.split("=")[-1] for part in folder.split("/")]
        glue.create_partition(
            DatabaseName=database,
            TableName=name,
            PartitionInput={"Values": values, "StorageDescriptor": {**sd, "Location": f"{location}{folder}/"}},
        )


def _catalog(local_aws) -> str:
    """A database with a Hive-style partitioned table and one with unnamed partition folders."""
    database = f"glue_jobs_tests_{uuid.uuid4().hex[:6]}"
    local_aws.client("glue").create_database(DatabaseInput={"Name": database})
    _json_table(
        local_aws,
        database,
        "clicks",
        ["dt"],
        {
            "dt=2026-03-01": [{"user": "ann", "n": 100}],
            "dt=2026-03-02": [{"user": "ann", "n": 2}, {"user": "bob", "n": 3}, {"user": "ann", "n": 4}],
        },
    )
    # A folder the catalog does not list is not read, as on Glue.
    local_aws.client("s3").put_object(
        Bucket=BUCKET, Key=f"{database}/clicks/dt=2026-03-02x/part-0.json", Body=b'{"user": "zed", "n": 9}\n'
    )
    _json_table(
        local_aws,
        database,
        "arrivals",
        ["partition_0", "partition_1"],
        {
            "2025/04": [{"user": "old", "n": 1}],
            "2026/03": [{"user": "mar", "n": 1}],
            "2026/04": [{"user": "apr", "n": 5}, {"user": "apr2", "n": 6}],
            "2026/04 late": [{"user": "late", "n": 7}],
        },
    )
    return database


@pytest.mark.spark
def test_script_aggregates_json_into_partitioned_parquet_and_json(local_aws, tmp_path):
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    prefix = f"glue-jobs-tests/{uuid.uuid4().hex[:8]}"
    sales = [
        {"country": "DE", "amount": 10},
        {"country": "FR", "amount": 7},
        {"country": "DE", "amount": 5},
        {"country": "IT", "amount": 1},
    ]
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/sales/day.json", Body="\n".join(json.dumps(r) for r in sales).encode())
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/rates/rates.csv", Body=b"country,rate\nDE,0.19\nFR,0.2\n")
    for key in ("scratch/a.json", "scratch/sub/b.json", "recent/c.json"):
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{key}", Body=b"{}")
    # Left over from an earlier run: the script's overwrite must remove it from S3.
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/totals/country=XX/old.parquet", Body=b"stale")
    job = _create_job(
        local_aws,
        AGGREGATE_SCRIPT,
        DefaultArguments={
            "--input": f"s3://{BUCKET}/{prefix}/sales/",
            "--out": f"s3://{BUCKET}/{prefix}/",
            "--multiplier": "1",
            "--label": "from-defaults",
            "--database": _catalog(local_aws),
        },
    )

    run_id = glue.start_job_run(JobName=job, Arguments={"--multiplier": "100"})["JobRunId"]
    first = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
    run = _wait(glue, job, run_id)

    assert first["JobRunState"] in ("STARTING", "RUNNING")
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["CompletedOn"] >= run["StartedOn"]
    assert run["ExecutionTime"] >= 1
    assert run["Arguments"]["--multiplier"] == "100" and run["Arguments"]["--label"] == "from-defaults"

    totals = _keys(local_aws, f"{prefix}/totals/")
    assert {k.split("/")[-2] for k in totals} == {"country=DE", "country=FR", "country=IT"}
    assert all(k.endswith(".snappy.parquet") for k in totals), totals  # no _SUCCESS, .crc or stale files
    files = _download(local_aws, totals, tmp_path)
    rows = duckdb.sql(
        f"SELECT country, total, orders, label, rate FROM read_parquet({[str(p) for p in files]}, hive_partitioning=true) "
        "ORDER BY country"
    ).fetchall()
    assert rows == [
        ("DE", 1500, 2, "from-defaults", 0.19),
        ("FR", 700, 1, "from-defaults", 0.2),
        ("IT", 100, 1, "from-defaults", None),
    ]

    per_user = _keys(local_aws, f"{prefix}/per_user/")
    assert per_user and all(k.startswith(f"{prefix}/per_user/dt=2026-03-02/") for k in per_user), per_user
    lines = [json.loads(line) for p in _download(local_aws, per_user, tmp_path) for line in p.read_text().splitlines()]
    assert sorted((r["user_id"], r["clicks"]) for r in lines) == [("ann", 6), ("bob", 3)]

    arrivals = _keys(local_aws, f"{prefix}/arrivals/")
    assert {k.split("/")[-2] for k in arrivals} == {"partition_0=2025", "partition_0=2026"}
    files = _download(local_aws, arrivals, tmp_path)
    rows = duckdb.sql(
        f"SELECT partition_0::VARCHAR, partition_1, user, n FROM read_parquet({[str(p) for p in files]}, hive_partitioning=true) "
        "ORDER BY user"
    ).fetchall()
    assert rows == [
        ("2026", "04", "apr", 5),
        ("2026", "04", "apr2", 6),
        ("2026", "04 late", "late", 7),
        ("2025", "04", "old", 1),
    ]

    assert _keys(local_aws, f"{prefix}/empty/") == []  # an empty DynamicFrame writes nothing
    assert _keys(local_aws, f"{prefix}/scratch/") == []
    assert _keys(local_aws, f"{prefix}/recent/") == [f"{prefix}/recent/c.json"]
    output = _log_lines(local_aws, "/aws-glue/jobs/output", run_id)
    assert f"read 4 sales rows for job {job} run {run_id}" in output
    assert "empty day: 0 rows, columns ['user', 'n', 'dt']" in output


@pytest.mark.spark
def test_spark_error_fails_the_run_with_its_message(local_aws):
    glue = local_aws.client("glue")
    missing = f"s3://{BUCKET}/glue-jobs-tests/{uuid.uuid4().hex[:8]}/nothing-here/"
    job = _create_job(
        local_aws,
        """
        import sys
        from awsglue.utils import getResolvedOptions
        from pyspark.sql import SparkSession

        args = getResolvedOptions(sys.argv, ["input"])
        spark = SparkSession.builder.getOrCreate()
        print("shuffle partitions", spark.conf.get("spark.sql.shuffle.partitions"))
        print("reading", args["input"])
        spark.read.parquet(args["input"]).show()
        """,
        DefaultArguments={"--conf": "spark.sql.shuffle.partitions=7 --conf spark.sql.session.timeZone=UTC"},
    )

    run_id = glue.start_job_run(JobName=job, Arguments={"--input": missing})["JobRunId"]
    run = _wait(glue, job, run_id)

    assert run["JobRunState"] == "FAILED"
    assert "AnalysisException" in run["ErrorMessage"]
    assert f"Path does not exist: {missing.rstrip('/')}" in run["ErrorMessage"]
    assert "\tat " not in run["ErrorMessage"]  # the message, not the JVM stack
    assert _log_lines(local_aws, "/aws-glue/jobs/output", run_id) == ["shuffle partitions 7", f"reading {missing}"]
    errors = "\n".join(_log_lines(local_aws, "/aws-glue/jobs/error", run_id))
    assert "Traceback (most recent call last)" in errors and "PATH_NOT_FOUND" in errors


@pytest.mark.spark
def test_python_exception_becomes_error_message_and_error_log(local_aws):
    glue = local_aws.client("glue")
    job = _create_job(
        local_aws,
        """
        import sys
        from awsglue.utils import getResolvedOptions

        args = getResolvedOptions(sys.argv, ["day"])
        print("checking", args["day"])
        raise ValueError(f"no input for day {args['day']}")
        """,
        DefaultArguments={"--day": "2026-01-01"},
    )

    run_id = glue.start_job_run(JobName=job, Arguments={"--day": "2026-03-01"})["JobRunId"]
    run = _wait(glue, job, run_id)

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "ValueError: no input for day 2026-03-01"
    assert _log_lines(local_aws, "/aws-glue/jobs/output", run_id) == ["checking 2026-03-01"]
    errors = _log_lines(local_aws, "/aws-glue/jobs/error", run_id)
    assert errors[0] == "Traceback (most recent call last):"
    assert errors[-1] == "ValueError: no input for day 2026-03-01"


@pytest.mark.spark
def test_missing_argument_fails_like_glue(local_aws):
    glue = local_aws.client("glue")
    job = _create_job(
        local_aws,
        """
        import sys
        from awsglue.utils import getResolvedOptions

        getResolvedOptions(sys.argv, ["JOB_NAME", "output"])
        """,
    )

    run = _wait(glue, job, glue.start_job_run(JobName=job)["JobRunId"])

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "GlueArgumentError: the following arguments are required: --output"


@pytest.mark.spark
def test_arguments_glue_passes_to_the_script(local_aws):
    glue = local_aws.client("glue")
    local_aws.client("s3").put_object(
        Bucket=BUCKET,
        Key="glue-jobs-tests/lib/shared_helpers.py",
        Body=b"def describe():\n    return 'helper from --extra-py-files'\n",
    )
    job = _create_job(
        local_aws,
        """
        import json
        import sys

        from shared_helpers import describe

        print(json.dumps(sys.argv[1:]))
        print(describe())
        """,
        DefaultArguments={
            "--source": "default",
            "--mode": "default",
            "--extra-py-files": f"s3://{BUCKET}/glue-jobs-tests/lib/shared_helpers.py",
        },
        NonOverridableArguments={"--fixed": "locked"},
    )

    run_id = glue.start_job_run(JobName=job, Arguments={"--mode": "run", "--fixed": "ignored"})["JobRunId"]
    run = _wait(glue, job, run_id)

    assert run["JobRunState"] == "SUCCEEDED"
    output = _log_lines(local_aws, "/aws-glue/jobs/output", run_id)
    assert output[1] == "helper from --extra-py-files"
    argv = json.loads(output[0])
    passed = dict(zip(argv[::2], argv[1::2], strict=True))
    assert passed["--JOB_NAME"] == job
    assert passed["--JOB_RUN_ID"] == run_id
    assert passed["--JOB_ID"].startswith("j_")
    assert passed["--source"] == "default"
    assert passed["--mode"] == "run"
    assert passed["--fixed"] == "locked"
    assert passed["--job-bookmark-option"] == "job-bookmark-disable"


@pytest.mark.spark  # a run may reach its JVM's launch before it is stopped
def test_max_concurrent_runs_is_enforced_and_runs_can_be_stopped(local_aws):
    glue = local_aws.client("glue")
    job = _create_job(local_aws, "import time\ntime.sleep(120)\n", ExecutionProperty={"MaxConcurrentRuns": 2})

    first = glue.start_job_run(JobName=job)["JobRunId"]
    second = glue.start_job_run(JobName=job)["JobRunId"]
    with pytest.raises(glue.exceptions.ConcurrentRunsExceededException):
        glue.start_job_run(JobName=job)

    stopped = glue.batch_stop_job_run(JobName=job, JobRunIds=[first, second, "jr_unknown"])
    assert sorted(s["JobRunId"] for s in stopped["SuccessfulSubmissions"]) == sorted([first, second])
    assert [e["JobRunId"] for e in stopped["Errors"]] == ["jr_unknown"]
    assert _wait(glue, job, first, timeout=30)["JobRunState"] == "STOPPED"
    assert _wait(glue, job, second, timeout=30)["JobRunState"] == "STOPPED"

    # With the earlier runs ended, a new one is accepted.
    third = glue.start_job_run(JobName=job)["JobRunId"]
    assert glue.get_job_run(JobName=job, RunId=third)["JobRun"]["JobRunState"] in ("STARTING", "RUNNING")
    glue.batch_stop_job_run(JobName=job, JobRunIds=[third])
    assert _wait(glue, job, third, timeout=30)["JobRunState"] == "STOPPED"
    states = {r["Id"]: r["JobRunState"] for r in glue.get_job_runs(JobName=job)["JobRuns"]}
    assert states == {first: "STOPPED", second: "STOPPED", third: "STOPPED"}


@pytest.mark.spark  # the run's launch may come before its stop
def test_default_max_concurrent_runs_is_one(local_aws):
    glue = local_aws.client("glue")
    job = _create_job(local_aws, "import time\ntime.sleep(120)\n")

    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    with pytest.raises(glue.exceptions.ConcurrentRunsExceededException):
        glue.start_job_run(JobName=job)
    glue.batch_stop_job_run(JobName=job, JobRunIds=[run_id])
    assert _wait(glue, job, run_id, timeout=30)["JobRunState"] == "STOPPED"


def test_missing_script_fails_the_run(local_aws):
    glue = local_aws.client("glue")
    name = f"job-{uuid.uuid4().hex[:8]}"
    location = f"s3://{BUCKET}/glue-jobs-tests/absent-{name}.py"
    glue.create_job(Name=name, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": location})

    run = _wait(glue, name, glue.start_job_run(JobName=name)["JobRunId"])

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == f"Script not found at {location}"


def test_missing_javac_is_a_clear_error(tmp_path, monkeypatch):
    from local.aws.glue_jobs import jvm_cache

    monkeypatch.setattr(jvm_cache.shutil, "which", lambda name: None)
    with pytest.raises(jvm_cache.SparkSetupError, match="javac not found.*JDK 17"):
        jvm_cache.file_system_jar(tmp_path)


def test_glue_conf_argument_becomes_spark_settings():
    from local.aws.glue_jobs.runs import spark_conf_argument

    assert spark_conf_argument("spark.a=1 --conf spark.b=x=y --conf  spark.c = 3 ") == {
        "spark.a": "1",
        "spark.b": "x=y",
        "spark.c": "3",
    }
    assert spark_conf_argument("") == {}

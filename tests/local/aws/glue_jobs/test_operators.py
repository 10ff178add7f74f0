"""GlueJobOperator and GlueJobSensor against the local Glue jobs engine, in dag.test() runs."""

from __future__ import annotations

import json
import textwrap
import uuid

import duckdb
import pytest
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.sensors.glue import GlueJobSensor

from pipelines.settings import SETTINGS
from tests.support.dag_runner import run_dag, tiny_dag

ROLE = "arn:aws:iam::123456789012:role/glue-operator-tests"

DAILY_SCRIPT = """
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "target", "day"])
glue = GlueContext(SparkContext.getOrCreate())
job = Job(glue)
job.init(args["JOB_NAME"], args)
orders = glue.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": [args["source"]]}, format="json"
).toDF()
daily = orders.groupBy("shop").agg(F.sum("price").alias("revenue")).withColumn("day", F.lit(args["day"]))
daily.write.mode("overwrite").parquet(args["target"])
print(f"day {args['day']}: {orders.count()} orders into {daily.count()} shops")
job.commit()
"""

FAILING_SCRIPT = """
import sys

from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["day"])
print(f"validating input for {args['day']}")
raise RuntimeError(f"input for {args['day']} is incomplete: 0 of 24 hours present")
"""


def _write_script(tmp_path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


@pytest.mark.spark
def test_operator_runs_the_script_and_the_sensor_shows_its_logs(local_aws, airflow_db, tmp_path, capsys):
    s3 = local_aws.client("s3")
    bucket = SETTINGS.artifacts_bucket
    prefix = f"glue-operator-tests/{uuid.uuid4().hex[:8]}"
    orders = [{"shop": "a", "price": 2.5}, {"shop": "b", "price": 4.0}, {"shop": "a", "price": 1.5}]
    s3.put_object(Bucket=bucket, Key=f"{prefix}/orders/o.json", Body="\n".join(json.dumps(o) for o in orders).encode())
    job_name = f"daily-{uuid.uuid4().hex[:8]}"

    with tiny_dag(f"glue_operator_ok_{uuid.uuid4().hex[:6]}") as dag:
        start_job = GlueJobOperator(
            task_id="start_job",
            job_name=job_name,
            script_location=_write_script(tmp_path, job_name, DAILY_SCRIPT),
            s3_bucket=bucket,
            iam_role_arn=ROLE,
            create_job_kwargs={
                "GlueVersion": "5.0",
                "DefaultArguments": {
                    "--source": f"s3://{bucket}/{prefix}/orders/",
                    "--target": f"s3://{bucket}/{prefix}/daily/",
                },
            },
            script_args={"--day": "{{ ds }}"},
            wait_for_completion=False,
        )
        wait_for_job = GlueJobSensor(
            task_id="wait_for_job",
            job_name=job_name,
            run_id=start_job.output,
            verbose=True,
            deferrable=False,
            poke_interval=1,
        )
        start_job >> wait_for_job

    states = run_dag(dag)

    assert states == {"start_job": "success", "wait_for_job": "success"}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/daily/")["Contents"]]
    files = []
    for key in keys:
        path = tmp_path / key.rsplit("/", 1)[-1]
        s3.download_file(bucket, key, str(path))
        files.append(str(path))
    rows = duckdb.sql(f"SELECT shop, revenue, day FROM read_parquet({files}) ORDER BY shop").fetchall()
    assert rows == [("a", 4.0, "2026-03-01"), ("b", 4.0, "2026-03-01")]
    logged = capsys.readouterr()
    assert "day 2026-03-01: 3 orders into 2 shops" in logged.out + logged.err


@pytest.mark.spark
def test_failing_script_fails_the_task_with_its_error_in_the_log(local_aws, airflow_db, tmp_path, capsys):
    job_name = f"failing-{uuid.uuid4().hex[:8]}"
    with tiny_dag(f"glue_operator_fail_{uuid.uuid4().hex[:6]}") as dag:
        GlueJobOperator(
            task_id="run_job",
            job_name=job_name,
            script_location=_write_script(tmp_path, job_name, FAILING_SCRIPT),
            s3_bucket=SETTINGS.artifacts_bucket,
            iam_role_arn=ROLE,
            create_job_kwargs={"GlueVersion": "5.0"},
            script_args={"--day": "{{ ds }}"},
            verbose=True,
            deferrable=False,
            job_poll_interval=1,
        )

    states = run_dag(dag)

    assert states == {"run_job": "failed"}
    logged = capsys.readouterr()
    text = logged.out + logged.err
    assert "validating input for 2026-03-01" in text
    assert "RuntimeError: input for 2026-03-01 is incomplete: 0 of 24 hours present" in text
    assert "Run State: FAILED" in text
    glue = local_aws.client("glue")
    run = glue.get_job_runs(JobName=job_name)["JobRuns"][0]
    assert run["ErrorMessage"] == "RuntimeError: input for 2026-03-01 is incomplete: 0 of 24 hours present"

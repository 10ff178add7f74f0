"""The local AWS as `make run` starts it: a process that serves, is provisioned idempotently and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import boto3
import pytest

from local import athena_queries
from local.airflow_env import REPO
from local.aws.credentials import local_client
from local.provision import provision
from local.stack import free_port
from pipelines.settings import SETTINGS


@pytest.fixture
def served(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.aws", "--port", str(port), "--data-dir", str(tmp_path / "aws")],
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = proc.stdout.readline()
    yield proc, f"http://127.0.0.1:{port}", ready
    if proc.poll() is None:
        proc.kill()


def client(endpoint: str, service: str):
    return local_client(service, endpoint, "us-east-1")


def test_serves_is_provisioned_twice_and_stops_cleanly(served):
    proc, endpoint, ready = served
    assert ready.startswith(f"local AWS ready at {endpoint}")

    first = provision(endpoint, SETTINGS, {"pipelines/test/api": {"url": "http://a"}})
    second = provision(endpoint, SETTINGS, {"pipelines/test/api": {"url": "http://b"}})

    assert first == second
    buckets = {b["Name"] for b in client(endpoint, "s3").list_buckets()["Buckets"]}
    assert buckets == {
        SETTINGS.raw_bucket,
        SETTINGS.lake_bucket,
        SETTINGS.athena_results_bucket,
        SETTINGS.artifacts_bucket,
    }
    databases = {d["Name"] for d in client(endpoint, "glue").get_databases()["DatabaseList"]}
    assert databases == {
        SETTINGS.raw_database, SETTINGS.lake_database, SETTINGS.aggregated_database, SETTINGS.ledger_database
    }  # fmt: skip
    workgroup = client(endpoint, "athena").get_work_group(WorkGroup=SETTINGS.athena_workgroup)["WorkGroup"]
    assert workgroup["Configuration"]["ResultConfiguration"]["OutputLocation"] == SETTINGS.athena_output_location
    assert client(endpoint, "events").describe_event_bus(Name=SETTINGS.event_bus)["Name"] == SETTINGS.event_bus
    secret = client(endpoint, "secretsmanager").get_secret_value(SecretId="pipelines/test/api")
    assert secret["SecretString"] == '{"url": "http://b"}'

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert "local AWS stopped" in proc.stdout.read()


def test_airflow_env_exports_point_the_cli_at_the_stack(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "local.airflow_env",
            "--home",
            str(tmp_path),
            "--aws-port",
            "4999",
            "--api-port",
            "8999",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}"},  # as `make env` has it
    ).stdout
    exports = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    assert exports["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert exports["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8999/execution/"
    assert '"endpoint_url": "http://127.0.0.1:4999"' in exports["AIRFLOW_CONN_AWS_DEFAULT"]
    # MWAA's runtime, as the services have it: the stack's PostgreSQL (its default port when no
    # stack has recorded one in the home), Celery over the local SQS
    assert exports["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://airflow@127.0.0.1:5433/airflow"
    assert exports["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert exports["AIRFLOW__CELERY__BROKER_URL"] == "sqs://127.0.0.1:4999"


@pytest.mark.spark
def test_the_documented_command_runs_glue_jobs_lambda_and_athena_in_another_region(tmp_path):
    """`python -m local.aws --port N` from a project folder: the default data dir is relative."""
    import json
    import time

    port, region = free_port(), "ap-southeast-2"
    env = {**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}", "PIPELINES_AWS_REGION": region}
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.aws", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "(data in " + str(tmp_path / ".local" / "aws") in proc.stdout.readline()
        endpoint = f"http://127.0.0.1:{port}"
        subprocess.run(
            [sys.executable, "-m", "local.provision", "--endpoint-url", endpoint], cwd=tmp_path, env=env, check=True
        )

        def regional(service: str):
            return boto3.client(
                service, endpoint_url=endpoint, region_name=region, aws_access_key_id="x", aws_secret_access_key="x"
            )

        settings = SETTINGS  # names do not depend on the region
        s3, glue = regional("s3"), regional("glue")
        assert s3.get_bucket_location(Bucket=settings.raw_bucket)["LocationConstraint"] == region
        s3.put_object(Bucket=settings.raw_bucket, Key="cli/in/a.json", Body=b'{"n": 2}\n{"n": 3}\n')
        script = (
            "import sys\nfrom awsglue.utils import getResolvedOptions\nfrom pyspark.sql import SparkSession\n"
            "args = getResolvedOptions(sys.argv, ['src', 'dst'])\nspark = SparkSession.builder.getOrCreate()\n"
            "spark.read.json(args['src']).selectExpr('sum(n) AS total').write.mode('overwrite').json(args['dst'])\n"
        )
        s3.put_object(Bucket=settings.artifacts_bucket, Key="cli/sum.py", Body=script.encode())
        glue.create_job(
            Name="cli-sum",
            Role=settings.glue_role,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{settings.artifacts_bucket}/cli/sum.py"},
            GlueVersion="5.0",
        )
        run_id = glue.start_job_run(
            JobName="cli-sum",
            Arguments={"--src": f"s3://{settings.raw_bucket}/cli/in/", "--dst": f"s3://{settings.raw_bucket}/cli/out/"},
        )["JobRunId"]
        deadline = time.monotonic() + 300
        while (run := glue.get_job_run(JobName="cli-sum", RunId=run_id)["JobRun"])["JobRunState"] in (
            "STARTING",
            "RUNNING",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        outputs = s3.list_objects_v2(Bucket=settings.raw_bucket, Prefix="cli/out/part-")["Contents"]
        body = b"".join(s3.get_object(Bucket=settings.raw_bucket, Key=o["Key"])["Body"].read() for o in outputs)
        assert json.loads(body) == {"total": 5}

        athena = regional("athena")
        athena_queries.run(
            athena,
            f"CREATE EXTERNAL TABLE cli_in (n int) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
            f"LOCATION 's3://{settings.raw_bucket}/cli/in/'",
            settings.raw_database,
            settings.athena_workgroup,
        )
        assert glue.get_table(DatabaseName=settings.raw_database, Name="cli_in")["Table"]["Name"] == "cli_in"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

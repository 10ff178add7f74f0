"""The local AWS as `make run` starts it: a process that serves, bootstraps idempotently and stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import boto3
import pytest

from local.bootstrap import bootstrap
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
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_serves_bootstraps_twice_and_stops_cleanly(served):
    proc, endpoint, ready = served
    assert ready.startswith(f"local AWS ready at {endpoint}")

    first = bootstrap(endpoint, SETTINGS, {"pipelines/test/api": {"url": "http://a"}})
    second = bootstrap(endpoint, SETTINGS, {"pipelines/test/api": {"url": "http://b"}})

    assert first == second
    buckets = {b["Name"] for b in client(endpoint, "s3").list_buckets()["Buckets"]}
    assert buckets == {
        SETTINGS.raw_bucket,
        SETTINGS.lake_bucket,
        SETTINGS.athena_results_bucket,
        SETTINGS.artifacts_bucket,
    }
    databases = {d["Name"] for d in client(endpoint, "glue").get_databases()["DatabaseList"]}
    assert databases == {SETTINGS.raw_database, SETTINGS.lake_database, SETTINGS.aggregated_database}
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
    ).stdout
    exports = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    assert exports["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert exports["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8999/execution/"
    assert '"endpoint_url": "http://127.0.0.1:4999"' in exports["AIRFLOW_CONN_AWS_DEFAULT"]
    assert exports["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"

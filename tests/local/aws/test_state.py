"""The local AWS keeps its state in its data folder: started again there (after a stop, or a
SIGKILL), it serves what it held, as `make run` restarted does."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from local.aws.credentials import local_client
from local.provision import provision
from local.stack import free_port, http_ok, wait_for
from pipelines.settings import load
from tests.support.regions import SECOND_REGION

REPO = Path(__file__).resolve().parents[3]
SETTINGS = load({"PIPELINES_AWS_REGION": SECOND_REGION})


class Server:
    """``python -m local.aws`` as a user starts it, in one data folder."""

    def __init__(self, data_dir: Path, *options: str) -> None:
        self.data_dir, self.port, self.options = data_dir, free_port(), list(options)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        argv = [
            sys.executable,
            "-m",
            "local.aws",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            *self.options,
        ]
        self.proc = subprocess.Popen(argv, cwd=REPO, env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}"})
        wait_for(lambda: http_ok(f"{self.url}/moto-api/"), "local AWS", 60, {"local-aws": self.proc})
        return self

    def end(self, sig: int) -> None:
        self.proc.send_signal(sig)
        self.proc.wait(timeout=60)

    def client(self, service: str):
        return local_client(service, self.url, SETTINGS.region)


def athena(server: Server, sql: str) -> str:
    client = server.client("athena")
    query_id = client.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": SETTINGS.lake_database},
        WorkGroup=SETTINGS.athena_workgroup,
    )["QueryExecutionId"]
    while client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] in (
        "QUEUED",
        "RUNNING",
    ):
        time.sleep(0.1)
    return query_id


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path / "aws").start()
    yield running
    if running.proc.poll() is None:
        running.end(signal.SIGTERM)


def test_every_services_state_survives_a_stop_and_start(server):
    provision(server.url, SETTINGS, vehicle_api_url="http://127.0.0.1:9")
    server.client("s3").put_object(Bucket=SETTINGS.raw_bucket, Key="kept/a.txt", Body=b"a" * 200_000)
    ctas = athena(
        server,
        f"CREATE TABLE kept WITH (format = 'PARQUET', external_location = 's3://{SETTINGS.lake_bucket}/kept/')"
        " AS SELECT 7 AS n",
    )
    queues = server.client("sqs")
    queue = queues.create_queue(QueueName="kept")["QueueUrl"]
    queues.send_message(QueueUrl=queue, MessageBody="kept message")
    glue = server.client("glue")
    glue.create_crawler(
        Name="kept", Role=SETTINGS.glue_role, DatabaseName=SETTINGS.raw_database,
        Targets={"S3Targets": [{"Path": f"s3://{SETTINGS.raw_bucket}/kept/"}]},
    )  # fmt: skip
    glue.create_job(Name="kept", Role=SETTINGS.glue_role, Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"})
    server.end(signal.SIGTERM)

    server.start()
    assert server.client("s3").get_object(Bucket=SETTINGS.raw_bucket, Key="kept/a.txt")["Body"].read() == b"a" * 200_000
    described = server.client("athena").get_query_execution(QueryExecutionId=ctas)["QueryExecution"]
    assert described["Status"]["State"] == "SUCCEEDED"
    selected = athena(server, "SELECT n FROM kept")
    rows = server.client("athena").get_query_results(QueryExecutionId=selected)["ResultSet"]["Rows"]
    assert [r["Data"][0]["VarCharValue"] for r in rows] == ["n", "7"]
    assert [m["Body"] for m in queues.receive_message(QueueUrl=queue)["Messages"]] == ["kept message"]
    assert glue.get_crawler(Name="kept")["Crawler"]["State"] == "READY"
    assert glue.get_job(JobName="kept")["Job"]["Role"] == SETTINGS.glue_role
    assert server.client("athena").get_work_group(WorkGroup=SETTINGS.athena_workgroup)["WorkGroup"]["Name"]
    assert SETTINGS.uber_movement_stream in server.client("kinesis").list_streams()["StreamNames"]
    assert server.client("lambda").get_function(FunctionName=SETTINGS.vehicle_api_lambda)
    assert server.client("events").describe_event_bus(Name=SETTINGS.event_bus)["Name"] == SETTINGS.event_bus


def test_a_sigkill_loses_nothing_the_server_acknowledged(server):
    """No wait before the kill: every answered request was saved before it was answered."""
    s3 = server.client("s3")
    s3.create_bucket(Bucket="kept-bucket", CreateBucketConfiguration={"LocationConstraint": SETTINGS.region})
    s3.put_object(Bucket="kept-bucket", Key="before", Body=b"1")
    s3.delete_object(Bucket="kept-bucket", Key="before")
    s3.put_object(Bucket="kept-bucket", Key="after", Body=b"2")
    queue_url = server.client("sqs").create_queue(QueueName="kept-queue")["QueueUrl"]
    server.client("sqs").send_message(QueueUrl=queue_url, MessageBody="sent last")
    server.end(signal.SIGKILL)

    server.start()
    listed = server.client("s3").list_objects_v2(Bucket="kept-bucket")["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("after", 1)]
    messages = server.client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    assert [m["Body"] for m in messages] == ["sent last"]
    # The deleted object's bytes are gone once a later snapshot no longer holds it.
    assert sorted(p.name for p in (server.data_dir / "state" / "blobs").iterdir()) == [
        "c81e728d9d4c2f636f067f89cc14862c-1"  # MD5 of "2"
    ]


def test_a_job_run_under_way_at_a_sigkill_comes_back_failed_naming_the_restart(server):
    s3, glue = server.client("s3"), server.client("glue")
    s3.create_bucket(Bucket="kept-scripts", CreateBucketConfiguration={"LocationConstraint": SETTINGS.region})
    s3.put_object(Bucket="kept-scripts", Key="sleep.py", Body=b"import time\ntime.sleep(600)\n")
    glue.create_job(
        Name="sleeper",
        Role=SETTINGS.glue_role,
        Command={"Name": "glueetl", "ScriptLocation": "s3://kept-scripts/sleep.py"},
    )
    run_id = glue.start_job_run(JobName="sleeper")["JobRunId"]
    wait_for(
        lambda: glue.get_job_run(JobName="sleeper", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING", "running", 60
    )
    job_processes = psutil.Process(server.proc.pid).children(recursive=True)
    server.end(signal.SIGKILL)
    for orphan in job_processes:  # the job's process outlives its server, as nothing on AWS would
        with contextlib.suppress(psutil.Error):
            orphan.kill()

    server.start()
    run = server.client("glue").get_job_run(JobName="sleeper", RunId=run_id)["JobRun"]
    assert (run["JobRunState"], run.get("ErrorMessage")) == ("FAILED", "the local AWS restarted while this ran"), run


def test_a_server_started_with_no_state_keeps_nothing(tmp_path):
    ephemeral = Server(tmp_path / "aws", "--no-state").start()
    ephemeral.client("s3").create_bucket(
        Bucket="gone-bucket", CreateBucketConfiguration={"LocationConstraint": SETTINGS.region}
    )
    ephemeral.end(signal.SIGTERM)
    assert not (tmp_path / "aws" / "state").exists()
    kept = Server(tmp_path / "aws").start()
    try:
        assert kept.client("s3").list_buckets()["Buckets"] == []
    finally:
        kept.end(signal.SIGTERM)


@pytest.mark.parametrize(
    ("method", "headers", "body", "changes"),
    [
        ("GET", {}, b"", False),  # S3 GetObject, ListObjectsV2
        ("HEAD", {}, b"", False),
        ("PUT", {}, b"bytes", True),  # S3 PutObject
        ("DELETE", {}, b"", True),
        ("POST", {"X-Amz-Target": "AmazonAthena.GetQueryExecution"}, b"{}", False),
        ("POST", {"X-Amz-Target": "AWSGlue.BatchGetPartition"}, b"{}", False),
        ("POST", {"X-Amz-Target": "AmazonAthena.StartQueryExecution"}, b"{}", True),
        ("POST", {"X-Amz-Target": "AmazonSQS.ReceiveMessage"}, b"{}", True),  # moves messages in flight
        ("POST", {"Content-Type": "application/x-www-form-urlencoded"}, b"Action=GetQueueUrl&QueueName=q", False),
        ("POST", {"Content-Type": "application/x-www-form-urlencoded"}, b"Action=SendMessage&MessageBody=x", True),
        ("POST", {}, b'{"a": 1}', True),  # a REST call by path (Lambda Invoke): a change unless known
    ],
)
def test_which_requests_wait_for_their_snapshot(method, headers, body, changes):
    from werkzeug.test import EnvironBuilder

    from local.aws.state import changes_state

    environ = EnvironBuilder(method=method, path="/", headers=headers, data=body).get_environ()
    assert changes_state(environ) is changes
    assert environ["wsgi.input"].read() == body  # what the app reads is still there

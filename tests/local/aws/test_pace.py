"""The AWS pace (``python -m local.aws --pace aws``): each engine's result comes no sooner than
the profile says, and it is the result the instant pace gives."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from deploy.template import template
from local.airflow_env import REPO
from local.aws.pace import AWS_FIGURES, PROFILES, profile
from local.provision import provision
from local.stack import free_port
from pipelines.settings import SETTINGS, load
from tests.support.athena import athena_rows, wait_for_query
from tests.support.lambdas import python_function
from tests.support.regions import SECOND_REGION, Regional

AWS = PROFILES["aws"]
CSV = "detector,volume\nd1,3\nd2,5\nd1,7\n"


def test_every_figure_of_the_aws_pace_names_its_source_and_unknown_paces_are_refused():
    for name, figure in AWS_FIGURES.items():
        assert re.search(r"https://|deploy/pipelines.yaml", figure.source), name
    assert PROFILES["instant"].athena_run_seconds(10**9) == 0
    assert AWS.athena_run_seconds(400_000_000) == pytest.approx(0.5 + 2.0)
    with pytest.raises(ValueError, match="instant, aws, not 'fast'"):
        profile("fast")


def test_the_paced_firehose_buffer_is_the_deployed_streams():
    stream = template()["Resources"]["UberMovementDelivery"]["Properties"]
    assert stream["ExtendedS3DestinationConfiguration"]["BufferingHints"]["IntervalInSeconds"] == int(
        AWS.firehose_buffer_seconds
    )


@pytest.fixture(scope="module")
def paced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Regional]:
    """The documented command with the AWS pace, its clients in a second region."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.aws", "--port", str(port), "--no-state", "--pace", "aws"],
        cwd=tmp_path_factory.mktemp("paced"),
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}", "PIPELINES_LOCAL_PACE": "instant"},
    )
    try:
        assert "pace aws" in proc.stdout.readline()
        endpoint = f"http://127.0.0.1:{port}"
        provision(endpoint, load({"PIPELINES_AWS_REGION": SECOND_REGION, "PIPELINES_LOCAL_PACE": "aws"}))
        yield Regional(endpoint, SECOND_REGION)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def make_table(aws, database: str) -> None:
    s3 = aws.client("s3")
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key=f"{database}/t/part.csv", Body=CSV.encode())
    aws.client("glue").create_database(DatabaseInput={"Name": database})
    athena_rows(
        aws,
        f"CREATE EXTERNAL TABLE {database}.t (detector string, volume int) "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        f"LOCATION 's3://{SETTINGS.raw_bucket}/{database}/t/' TBLPROPERTIES ('skip.header.line.count'='1')",
    )


def run_select(aws, database: str) -> tuple[dict, list[dict]]:
    sql = f"SELECT detector, sum(volume) AS volume FROM {database}.t GROUP BY detector ORDER BY detector"
    rows = athena_rows(aws, sql)
    athena = aws.client("athena")
    latest = athena.list_query_executions(WorkGroup=SETTINGS.athena_workgroup)["QueryExecutionIds"]
    executions = athena.batch_get_query_execution(QueryExecutionIds=latest)["QueryExecutions"]
    return next(e for e in executions if e["Query"] == sql), rows


def test_an_athena_statement_queues_and_runs_as_long_as_the_profile_says_and_answers_the_same(paced, local_aws):
    make_table(paced, "paced_sums")
    make_table(local_aws, "paced_sums")
    execution, rows = run_select(paced, "paced_sums")
    instant_execution, instant_rows = run_select(local_aws, "paced_sums")

    assert rows == instant_rows == [{"detector": "d1", "volume": 10}, {"detector": "d2", "volume": 5}]
    scanned = execution["Statistics"]["DataScannedInBytes"]
    assert scanned == instant_execution["Statistics"]["DataScannedInBytes"] == len(CSV)
    assert execution["Statistics"]["QueryQueueTimeInMillis"] >= AWS.athena_queue_seconds * 1000
    total = execution["Statistics"]["TotalExecutionTimeInMillis"] / 1000
    assert total >= AWS.athena_queue_seconds + AWS.athena_run_seconds(scanned) - 0.001  # whole milliseconds
    assert instant_execution["Statistics"]["TotalExecutionTimeInMillis"] / 1000 < total


def test_a_statement_cancelled_while_queued_never_runs(paced):
    """The stop follows the start at once; on a loaded machine it may come after the 0.3 s queue
    (then the statement ran, rightly): tried until one stop came in time, which a statement that
    runs in spite of its cancellation never shows."""
    athena = paced.client("athena")
    outcomes = []
    for _ in range(10):
        qid = athena.start_query_execution(QueryString="SELECT 1", WorkGroup=SETTINGS.athena_workgroup)
        athena.stop_query_execution(QueryExecutionId=qid["QueryExecutionId"])
        execution = wait_for_query(paced, qid["QueryExecutionId"])
        outcomes.append((execution["Status"]["State"], execution["Statistics"]["EngineExecutionTimeInMillis"]))
        if outcomes[-1] == ("CANCELLED", 0):
            break
    assert outcomes[-1] == ("CANCELLED", 0), outcomes


def test_a_crawl_writes_the_catalog_no_sooner_than_the_least_crawl(paced):
    s3, glue = paced.client("s3"), paced.client("glue")
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key="paced_crawl/day=1/a.json", Body=b'{"n": 1}\n')
    glue.create_database(DatabaseInput={"Name": "paced_crawl"})
    glue.create_crawler(
        Name="paced-crawl",
        Role=SETTINGS.glue_role,
        DatabaseName="paced_crawl",
        Targets={"S3Targets": [{"Path": f"s3://{SETTINGS.raw_bucket}/paced_crawl/"}]},
    )
    glue.start_crawler(Name="paced-crawl")
    time.sleep(3)  # the local crawl of one object takes well under a second
    assert glue.get_crawler(Name="paced-crawl")["Crawler"]["State"] == "RUNNING"
    assert glue.get_tables(DatabaseName="paced_crawl")["TableList"] == []
    glue.stop_crawler(Name="paced-crawl")
    deadline = time.monotonic() + 20
    while (crawler := glue.get_crawler(Name="paced-crawl")["Crawler"])["State"] != "READY":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert crawler["LastCrawl"]["Status"] == "CANCELLED"
    assert glue.get_tables(DatabaseName="paced_crawl")["TableList"] == []


def test_a_glue_job_run_is_starting_for_the_profiles_start_and_can_be_stopped_then(paced):
    s3, glue = paced.client("s3"), paced.client("glue")
    s3.put_object(Bucket=SETTINGS.artifacts_bucket, Key="paced/job.py", Body=b"print('never reached')\n")
    glue.create_job(
        Name="paced-job",
        Role=SETTINGS.glue_role,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{SETTINGS.artifacts_bucket}/paced/job.py"},
        GlueVersion="5.0",
    )
    run_id = glue.start_job_run(JobName="paced-job")["JobRunId"]
    time.sleep(2)
    assert glue.get_job_run(JobName="paced-job", RunId=run_id)["JobRun"]["JobRunState"] == "STARTING"
    assert glue.batch_stop_job_run(JobName="paced-job", JobRunIds=[run_id])["Errors"] == []
    deadline = time.monotonic() + 20
    while (run := glue.get_job_run(JobName="paced-job", RunId=run_id)["JobRun"])["JobRunState"] != "STOPPED":
        assert time.monotonic() < deadline, run
        time.sleep(0.2)


def test_the_first_invocation_of_a_function_reports_at_least_a_cold_starts_init(paced):
    name = python_function(
        paced, "paced-lambda", "def handler(event, context):\n    return event\n", "app.handler", "paced",
        Runtime="python3.12",
    )  # fmt: skip
    reply = paced.client("lambda").invoke(FunctionName=name, Payload=b'{"n": 1}', LogType="Tail")
    assert reply["Payload"].read() == b'{"n": 1}'
    report = base64.b64decode(reply["LogResult"]).decode()
    assert float(re.search(r"\tInit Duration: ([\d.]+) ms", report).group(1)) >= AWS.lambda_cold_start_seconds * 1000
    again = paced.client("lambda").invoke(FunctionName=name, Payload=b'{"n": 2}', LogType="Tail")
    assert again["Payload"].read() == b'{"n": 2}'


def test_a_paced_stack_buffers_the_arrival_stream_as_deployed(paced):
    stream = paced.client("firehose").describe_delivery_stream(
        DeliveryStreamName=SETTINGS.uber_movement_delivery_stream
    )["DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert stream["BufferingHints"]["IntervalInSeconds"] == int(AWS.firehose_buffer_seconds)

"""`make run`'s stack for real: a DAG triggered from the CLI, every port on loopback (the UI in
a browser: test_ui)."""

from __future__ import annotations

import json

import psutil
import pytest

from local.stack import session_members, wait_for_dag
from pipelines.settings import SETTINGS
from tests.support.services import wait_for_success

pytestmark = pytest.mark.services


def test_healthcheck_triggered_from_the_cli_as_the_readme_types_it_succeeds(stack):
    wait_for_dag(stack, "healthcheck")
    stack.airflow("dags", "unpause", "healthcheck")
    run_id = "cli_trigger"
    # no --logical-date: Airflow 3 triggers a run without one, whose day is the day it ran
    stack.airflow("dags", "trigger", "healthcheck", "--run-id", run_id)

    wait_for_success(stack, "healthcheck", run_id)

    run = json.loads(stack.airflow("dags", "list-runs", "healthcheck", "-o", "json").stdout.splitlines()[-1])
    run_after = next(r for r in run if r["run_id"] == run_id)["run_after"]
    day = run_after[:10]
    s3 = stack.client("s3")
    body = json.loads(
        s3.get_object(Bucket=SETTINGS.artifacts_bucket, Key=f"healthcheck/{day}/{run_id}.json")["Body"].read()
    )
    assert body == {"dag_id": "healthcheck", "day": day, "run_id": run_id}


def listening_sockets(process: psutil.Process) -> list:
    """The process's listening sockets; none if it ended meanwhile (a task's or a Lambda
    invocation's process, listed a moment before)."""
    try:
        return [conn for conn in process.net_connections(kind="inet") if conn.status == psutil.CONN_LISTEN]
    except psutil.NoSuchProcess:
        return []


def test_every_port_the_stack_opens_listens_on_loopback_only(stack):
    listening = {
        (name, conn.laddr.ip, conn.laddr.port)
        for name, proc in stack.procs.items()
        for member in session_members(proc.pid)
        for conn in listening_sockets(member)
    }
    assert {name for name, _, _ in listening} >= {"local-aws", "vehicle-api", "uber-movement-ingest", "api-server"}
    assert {ip for _, ip, _ in listening} == {"127.0.0.1"}, sorted(listening)
    ports = {port for _, _, port in listening}
    assert {stack.aws_port, stack.api_port} <= ports and not ports & {8793, 8794}  # no log servers

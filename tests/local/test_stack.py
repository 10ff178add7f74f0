"""The local stack's supervision: a crashed service is started again, the others keep running,
and stopping ends every process a service started, the orphans of a dead one included."""

from __future__ import annotations

import os
import signal
import sys
import time

import psutil
import pytest

from local.airflow_env import main as print_env
from local.airflow_env import record_ports
from local.stack import DevStack, free_port, http_ok, session_members, wait_for

# A service that starts a worker which ignores SIGTERM, as a task process may.
SERVICE = """
import os, signal, time
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(600)
time.sleep(600)
"""


def wait_for_worker(leader: int) -> psutil.Process:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        others = [p for p in session_members(leader) if p.pid != leader]
        if others:
            return others[0]
        time.sleep(0.05)
    raise TimeoutError("the service started no worker")


@pytest.fixture
def stack(tmp_path):
    running = DevStack(tmp_path)
    yield running
    running.stop(grace=2)


def test_stopping_ends_the_workers_of_a_service_that_died(stack):
    stack._spawn("scheduler", [sys.executable, "-c", SERVICE])
    leader = stack.procs["scheduler"].pid
    worker = wait_for_worker(leader)
    os.kill(leader, signal.SIGKILL)
    stack.procs["scheduler"].wait()

    stack.stop(grace=2)
    assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE


def test_a_crashed_service_is_started_again_and_the_others_keep_running(stack):
    stack._spawn("scheduler", [sys.executable, "-c", SERVICE])
    stack._spawn("triggerer", [sys.executable, "-c", SERVICE])
    scheduler, triggerer = stack.procs["scheduler"].pid, stack.procs["triggerer"].pid
    orphan = wait_for_worker(scheduler)
    os.kill(scheduler, signal.SIGKILL)
    stack.procs["scheduler"].wait()

    [line] = stack.restart_exited()
    assert line.startswith("scheduler exited with -9; restarted")
    assert stack.procs["scheduler"].pid != scheduler and stack.procs["scheduler"].poll() is None
    assert stack.procs["triggerer"].pid == triggerer and stack.procs["triggerer"].poll() is None
    assert not orphan.is_running() or orphan.status() == psutil.STATUS_ZOMBIE
    assert stack.restarts == {"scheduler": 1}
    assert stack.restart_exited() == []


def test_make_env_points_the_cli_at_the_ports_the_stack_in_its_home_runs_on(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LOCAL_AWS_PORT", "4566")
    record_ports(tmp_path, {"aws_port": 14566, "api_port": 18080})
    print_env(["--home", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "http://127.0.0.1:14566" in printed and "http://127.0.0.1:18080/execution/" in printed
    assert "export LOCAL_AWS_URL=http://127.0.0.1:14566" in printed
    print_env(["--home", str(tmp_path), "--api-port", "9999"])
    assert "AIRFLOW__API__PORT=9999" in capsys.readouterr().out


def test_a_crashed_local_aws_is_started_again_with_the_projects_resources(tmp_path):
    stack = DevStack(tmp_path, aws_port=free_port())
    try:
        argv = [sys.executable, "-m", "local.aws", "--port", str(stack.aws_port), "--data-dir", str(tmp_path / "aws")]
        stack._spawn("local-aws", argv)
        wait_for(lambda: http_ok(f"{stack.aws_endpoint}/moto-api/"), "local AWS", 30, stack.procs)
        os.kill(stack.procs["local-aws"].pid, signal.SIGKILL)
        stack.procs["local-aws"].wait()

        [line] = stack.restart_exited()
        assert line.startswith("local-aws exited with -9; restarted")
        buckets = {b["Name"] for b in stack.client("s3").list_buckets()["Buckets"]}
        assert {stack.settings.raw_bucket, stack.settings.lake_bucket} <= buckets
        assert stack.client("lambda").get_function(FunctionName=stack.settings.vehicle_api_lambda)
    finally:
        stack.stop(grace=5)

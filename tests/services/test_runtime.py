"""MWAA's runtime on the local stack (PostgreSQL, Celery workers fed by SQS) under load and
faults: a backfill of half a day of web hits hours created beside a busy scheduler, a worker killed
while it runs a task, the database restarted while runs are active; and make run's state kept
across a stop and a start."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from local.sources import web_hits as source
from local.sources.s3_puts import put_objects
from local.stack import DevStack, free_port, session_members, wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.web_hits.tables import AGGREGATES
from tests.support.services import (
    cli_json,
    dag_runs,
    rest,
    run_path,
    wait_for_runs,
    wait_for_success,
    why_not_green,
)
from tests.support.web_hits_reference import expected_counts, lines_of
from tests.support.web_hits_tables import published

pytestmark = pytest.mark.services

DAG = "web_hits_hourly"
# Half a day across midnight, into a leap day: 12 runs of 16 tasks and a Glue Spark job each, about
# 15 CPU-minutes on 2 cores (24 hours took over 25 minutes of a loaded CI machine).
FIRST, LAST = "2024-02-28T18", "2024-02-29T05"
HOURS = 12


def running_backfill_task(stack: DevStack, timeout: float = 600) -> dict:
    """The first task instance of a backfill run seen running on a worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rest(stack, f"dags/{DAG}/dagRuns/~/taskInstances?state=running&limit=100")["task_instances"]
        ours = [ti for ti in found if ti["dag_run_id"].startswith("backfill__")]
        if ours:
            return ours[0]
        time.sleep(0.2)
    raise TimeoutError("no backfill task ran on a worker")


def kill_worker(stack: DevStack) -> None:
    """SIGKILL to every process of the Celery worker (its pool and the tasks it runs): the
    container gone, as when MWAA loses a worker."""
    leader = stack.procs["celery-worker"]
    members = session_members(leader.pid)
    for member in members:
        os.kill(member.pid, signal.SIGKILL)
    leader.wait(10)  # reaped by its Popen, which keeps the -9 the supervisor reports
    psutil.wait_procs([m for m in members if m.pid != leader.pid], timeout=10)


@pytest.mark.timeout(1800)  # above the 1,500 s wait for the runs, which names each run's state
def test_half_a_day_of_hours_backfilled_beside_a_busy_scheduler_survives_a_killed_worker_and_a_database_restart(stack):
    files = [f for hour in source.hours(FIRST, LAST) for f in source.hour_files(hour, 60, 24)]
    put_objects(stack.client("s3"), SETTINGS.raw_bucket, ((f.key, f.body) for f in files))
    wait_for_dag(stack, DAG)
    scheduler = stack.procs["scheduler"].pid

    # Unpaused first: the scheduler is busy with the latest hour's run while the backfill of
    # HOURS runs (16 tasks each) is created; on PostgreSQL that needs no pause and no retry.
    stack.airflow("dags", "unpause", DAG)
    stack.airflow("backfill", "create", "--dag-id", DAG, "--from-date", f"{FIRST}:00:00+00:00",
                  "--to-date", f"{LAST}:00:00+00:00")  # fmt: skip
    assert len([r for r in dag_runs(stack, DAG) if r["dag_run_id"].startswith("backfill__")]) == HOURS

    with stack.supervised() as restarts:  # as make run: a service that exits is started again
        killed = running_backfill_task(stack)
        kill_worker(stack)
        assert stack.procs["scheduler"].pid == scheduler, "the backfill's creation stopped the scheduler"
        running_backfill_task(stack)  # a new worker took tasks again
        stack.postgres.stop()
        time.sleep(3)
        stack.postgres.start()
        runs = wait_for_runs(stack, DAG, HOURS, prefix="backfill__", timeout=1500)

    hours = [f"{h:%Y-%m-%dT%H}" for h in source.hours(FIRST, LAST)]
    assert sorted((r["logical_date"][:13], r["state"]) for r in runs) == [(h, "success") for h in hours], why_not_green(
        stack, DAG, runs
    )
    assert any(line.startswith("celery-worker exited with -9") for line in restarts), restarts
    # the killed task failed its heartbeat and was tried again on the new worker, as on MWAA
    again = rest(stack, f"{run_path(DAG, killed['dag_run_id'])}/taskInstances/{killed['task_id']}")
    assert (again["state"], again["try_number"] > killed["try_number"]) == ("success", True), (killed, again)

    # every hour published once, exactly: nothing lost, nothing doubled by the retries
    glue = stack.client("glue")
    for table in AGGREGATES:
        partitions = glue.get_partitions(DatabaseName=SETTINGS.aggregated_database, TableName=table)["Partitions"]
        assert sorted("{}-{}-{}T{}".format(*p["Values"]) for p in partitions if p["Values"][0] == "2024") == hours
    lines = list(lines_of(files))
    for hour in hours:
        assert published(stack, hour) == expected_counts(lines, hour), hour


def test_make_run_stopped_and_started_again_keeps_every_run_connection_and_pool(tmp_path):
    stack = DevStack(tmp_path, free_port(), free_port(), free_port())  # keeps its state, as make run
    try:
        stack.start()
        wait_for_dag(stack, "healthcheck")
        stack.airflow("dags", "unpause", "healthcheck")
        stack.airflow("dags", "trigger", "healthcheck", "--run-id", "before_restart")
        wait_for_success(stack, "healthcheck", "before_restart")
        stack.airflow("connections", "add", "kept_http", "--conn-uri", "http://example.invalid:8080")
        stack.airflow("pools", "set", "kept_pool", "3", "made before the restart")
        stack.stop()

        stack.start()
        runs = {r["run_id"]: r["state"] for r in cli_json(stack, "dags", "list-runs", "healthcheck")}
        assert runs["before_restart"] == "success"
        assert {c["conn_id"] for c in cli_json(stack, "connections", "list")} >= {"kept_http"}
        pools = {p["pool"]: int(p["slots"]) for p in cli_json(stack, "pools", "list")}
        assert pools["kept_pool"] == 3 and pools[SETTINGS.vehicle_api_pool] == SETTINGS.vehicle_api_pool_slots
    finally:
        stack.stop()
        stack.postgres.remove()

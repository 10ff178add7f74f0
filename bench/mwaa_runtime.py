"""The local stack on MWAA's runtime (PostgreSQL, a Celery worker fed by SQS): ``python -m
bench.mwaa_runtime``.

1. ``make demo``'s wall time: every pipeline end to end on its own stack, start and stop included.
2. Scheduling latency: for RUNS runs of ``healthcheck`` triggered one after the other on an
otherwise idle stack, each task's time from scheduled (as the metadata database records it) to
running (the first line its try wrote on the worker: the database's start_date is set when the
task is queued, before any worker has it), and from its upstream's end to running. On MWAA's
runtime that is the scheduler's loop, the send to the SQS queue, the Celery worker's long poll
and the task's start.
Goal: median at most 2 s.

The figures of the runtime before (SQLite, the LocalExecutor) were measured with this module on
the commit before it changed; docs/benchmarks.md has both.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy

from local.stack import DevStack, free_port, wait_for_dag
from tests.support.services import wait_for_run

RUNS = 10
QUERY = sqlalchemy.text(
    "SELECT run_id, task_id, scheduled_dttm, end_date FROM task_instance "
    "WHERE dag_id = 'healthcheck' AND run_id LIKE 'latency_%' AND state = 'success' AND try_number = 1 "
    "ORDER BY run_id, scheduled_dttm"
)


def first_line_at(log: Path) -> datetime:
    return datetime.fromisoformat(json.loads(log.read_text().splitlines()[0])["timestamp"].replace("Z", "+00:00"))


def latencies(stack: DevStack) -> tuple[list[float], list[float]]:
    """Seconds from scheduled to running for every task; from its upstream's end to running
    for every task after the first of its run (the healthcheck is one chain)."""
    engine = sqlalchemy.create_engine(stack.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    with engine.connect() as connection:
        rows = connection.execute(QUERY).all()
    engine.dispose()
    logs = stack.home / "airflow" / "logs" / "dag_id=healthcheck"
    ready, after_upstream, upstream_end = [], [], {}
    for run_id, task_id, *moments in rows:
        # SQLite (the runtime before) answers text, PostgreSQL datetimes
        scheduled, end = (
            m if isinstance(m, datetime) else datetime.fromisoformat(m).replace(tzinfo=UTC) for m in moments
        )
        running = first_line_at(logs / f"run_id={run_id}" / f"task_id={task_id}" / "attempt=1.log")
        ready.append((running - scheduled).total_seconds())
        if run_id in upstream_end:
            after_upstream.append((running - upstream_end[run_id]).total_seconds())
        upstream_end[run_id] = end
    return sorted(ready), sorted(after_upstream)


def spread(seconds: list[float]) -> str:
    return (
        f"median {statistics.median(seconds):.2f} s, p90 {seconds[int(0.9 * len(seconds))]:.2f} s, "
        f"max {seconds[-1]:.2f} s"
    )


def demo_seconds() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "local.demo"], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> None:
    demo = demo_seconds()
    print(f"make demo: {demo:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as home:
        stack = DevStack(Path(home), free_port(), free_port(), free_port(), keep_state=False)
        with stack:
            wait_for_dag(stack, "healthcheck")
            stack.airflow("dags", "unpause", "healthcheck")
            time.sleep(15)  # the scheduled run of the unpause, out of the way
            for n in range(RUNS):
                run_id = f"latency_{n}"
                stack.airflow("dags", "trigger", "healthcheck", "--run-id", run_id)
                assert wait_for_run(stack, "healthcheck", run_id, timeout=300)["state"] == "success", run_id
            ready, after_upstream = latencies(stack)
    assert len(ready) == 3 * RUNS, ready
    print("| measure | value | goal |\n|---|---|---|")
    print(f"| make demo, wall time | {demo // 60:.0f} min {demo % 60:.0f} s | <= 1.2x the runtime before |")
    print(f"| scheduled -> running, {len(ready)} tasks of {RUNS} healthcheck runs | {spread(ready)} | median <= 2 s |")
    print(f"| upstream ended -> running, {len(after_upstream)} of them | {spread(after_upstream)} | |")


if __name__ == "__main__":
    main()

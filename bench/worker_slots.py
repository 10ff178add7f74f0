"""Worker-slot seconds per DAG run, deferrable versus not: ``python -m bench.worker_slots``.

Two local stacks in one benchmark run, one after the other, identical but for
``PIPELINES_DEFERRABLE`` (Athena statements watched ``PIPELINES_DEFER_AFTER_SECONDS`` in the
worker before they are deferred, as deployed). In each, the first scheduled run of ``traffic_batch`` (a generated day
of DETECTORS detectors) and of ``vehicle_api_processing`` (after the scheduled download of its
day) are measured:
- worker-slot seconds: for every task instance, the time its worker executions ran, each from
  the first to the last line it wrote to the try's log. The triggerer writes to a file of its
  own, so a deferred wait is not counted; the start-up of a worker process before its first
  line is not counted in either mode (a deferred task has one more execution to start).
- wall time: the run's start to its end, as the metadata DB records them.
Goal: deferrable at most 25 % of the worker-slot seconds, with wall time at most 10 % longer.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from local.demo import first_finished_run, latest_due_day
from local.sources import traffic as feed
from local.stack import DevStack, free_port, wait_for_dag
from pipelines.settings import SETTINGS

DETECTORS = 100  # ~340,000 raw lane records: statements that take seconds, as on Athena
MEASURED = ("traffic_batch", "vehicle_api_processing")
SLOT_GOAL, WALL_GOAL = 0.25, 1.10


@dataclass(frozen=True)
class RunFigures:
    state: str
    wall_seconds: float
    worker_seconds: float
    executions: int


def worker_executions(log: Path) -> list[float]:
    """Seconds of each worker execution in one try's log (each starts with 'Pre Execute')."""
    spans: list[list[datetime]] = []
    for line in log.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "timestamp" not in entry:
            continue
        at = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
        if entry.get("event") == "::group::Pre Execute" or not spans:
            spans.append([at, at])
        spans[-1][1] = at
    return [(end - start).total_seconds() for start, end in spans]


def measure(stack: DevStack, run: dict) -> RunFigures:
    folder = stack.home / "airflow" / "logs" / f"dag_id={run['dag_id']}" / f"run_id={run['run_id']}"
    logs = [p for p in folder.glob("task_id=*/**/attempt=*.log") if ".log.trigger." not in p.name]  # triggerer's own
    executions = [s for log in logs for s in worker_executions(log)]
    started, ended = (datetime.fromisoformat(run[k]) for k in ("start_date", "end_date"))
    return RunFigures(run["state"], (ended - started).total_seconds(), sum(executions), len(executions))


def run_stack(home: Path, deferrable: bool) -> dict[str, RunFigures]:
    settings_env = {"PIPELINES_DEFERRABLE": str(deferrable).lower(), "PIPELINES_POLL_SECONDS": "1"}
    stack = DevStack(home, free_port(), free_port(), free_port(), settings_env=settings_env, keep_state=False)
    with stack:
        day = latest_due_day(timedelta(hours=7, minutes=30))
        deliveries = feed.generate(day - timedelta(days=1), day + timedelta(days=1), seed=3, detector_count=DETECTORS)
        feed.write_objects(stack.client("s3"), SETTINGS.raw_bucket, feed.firehose_objects(deliveries, seed=3))
        for dag_id in ("vehicle_api_processing", "vehicle_api_download", "traffic_batch"):
            wait_for_dag(stack, dag_id)
        # One DAG at a time, so that no run shares the machine with a measured one.
        stack.airflow("dags", "unpause", "traffic_batch")
        traffic = first_finished_run(stack, "traffic_batch", timeout=1800)
        stack.airflow("dags", "unpause", "vehicle_api_processing")
        stack.airflow("dags", "unpause", "vehicle_api_download")
        first_finished_run(stack, "vehicle_api_download", timeout=1800)
        processing = first_finished_run(stack, "vehicle_api_processing", timeout=1800)
        return {"traffic_batch": measure(stack, traffic), "vehicle_api_processing": measure(stack, processing)}


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        blocking = run_stack(Path(home) / "blocking", deferrable=False)
        deferred = run_stack(Path(home) / "deferrable", deferrable=True)
    print("| DAG run | worker-slot seconds (executions), not deferrable | deferrable | ratio | wall time | ratio |")
    print("|---|---|---|---|---|---|")
    missed = []
    for dag_id in MEASURED:
        b, d = blocking[dag_id], deferred[dag_id]
        if {b.state, d.state} != {"success"}:
            raise SystemExit(f"{dag_id}: runs ended {b.state} / {d.state}")
        slots, wall = d.worker_seconds / b.worker_seconds, d.wall_seconds / b.wall_seconds
        print(
            f"| {dag_id} | {b.worker_seconds:.1f} s ({b.executions}) | {d.worker_seconds:.1f} s ({d.executions}) "
            f"| {slots:.0%} | {b.wall_seconds:.1f} vs {d.wall_seconds:.1f} s | {wall:.2f}x |"
        )
        if slots > SLOT_GOAL or wall > WALL_GOAL:
            missed.append(dag_id)
    print(f"goal: worker-slot seconds <= {SLOT_GOAL:.0%} of not deferrable, wall time <= {WALL_GOAL:.2f}x")
    if missed:
        raise SystemExit(f"goal missed for {', '.join(missed)}")


if __name__ == "__main__":
    main()

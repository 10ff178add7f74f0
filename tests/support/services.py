"""Helpers of the tests that drive a running stack (``DevStack`` or compose) as users do: the
Airflow CLI to act, its REST API (as the UI) to watch."""

from __future__ import annotations

import json
import time
import urllib.parse
from datetime import date
from pathlib import Path
from typing import Any

from deploy.airflow_api import RestApi
from local.airflow_env import LOCAL_USER
from local.sources import traffic as feed
from local.stack import wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import PROCESSED_TABLE
from tests.support.athena import athena_rows
from tests.support.traffic_reference import expected_rows, records_of, same


def cli_json(stack: Any, *args: str) -> list[dict]:
    """An ``airflow ... -o json`` command's rows (the CLI may print warnings before the JSON)."""
    lines = stack.airflow(*args, "-o", "json").stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else []


_APIS: dict[str, RestApi] = {}


def api(stack: Any) -> RestApi:
    """The stack's REST API as the local user, as the UI's login gets it (one per stack: its
    token outlives the session's tests)."""
    if stack.ui_url not in _APIS:
        _APIS[stack.ui_url] = RestApi(stack.ui_url, *LOCAL_USER)
    return _APIS[stack.ui_url]


def rest(stack: Any, path: str, body: dict | None = None) -> Any:
    """One call of Airflow's REST API (``/api/v2/...``) as the UI makes it: GET, or POST ``body``."""
    path, _, query = path.partition("?")
    return api(stack).call("GET" if body is None else "POST", f"/{path}", body, dict(urllib.parse.parse_qsl(query)))


def dag_runs(stack: Any, dag_id: str) -> list[dict]:
    """Every run of ``dag_id`` as the REST API lists them (``dag_run_id``, ``state``,
    ``logical_date``, ``partition_key``, ``conf``...), oldest first."""
    return rest(stack, f"dags/{dag_id}/dagRuns?limit=100")["dag_runs"]


def run_path(dag_id: str, run_id: str) -> str:
    """A run's REST path (run ids hold ``+`` and ``:``)."""
    return f"dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"


def wait_for_run(stack: Any, dag_id: str, run_id: str, timeout: float = 300) -> dict:
    """Poll the REST API until the run ends; return it."""
    deadline = time.monotonic() + timeout
    while True:
        run = rest(stack, run_path(dag_id, run_id))
        if run["state"] in ("success", "failed"):
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dag_id} {run_id} still {run['state']} after {timeout} s")
        time.sleep(2)


def wait_for_success(stack: Any, dag_id: str, run_id: str, timeout: float = 300) -> dict:
    """``wait_for_run``, and the run must have succeeded (else its failed tasks' errors are shown)."""
    run = wait_for_run(stack, dag_id, run_id, timeout)
    assert run["state"] == "success", why_not_green(stack, dag_id, [run])
    return run


def wait_for_runs(stack: Any, dag_id: str, count: int, prefix: str = "", timeout: float = 600) -> list[dict]:
    """Block until ``count`` runs of ``dag_id`` (whose run id starts with ``prefix``) exist and
    none of them is unfinished; return them. Unpausing also schedules the latest interval's
    run (catchup is off), which the backfill checks leave out by prefix."""
    deadline = time.monotonic() + timeout
    while True:
        runs = [r for r in dag_runs(stack, dag_id) if r["dag_run_id"].startswith(prefix)]
        if len(runs) >= count and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dag_id}: {[(r['dag_run_id'], r['state']) for r in runs]}")
        time.sleep(2)


def processed_day(stack, day: date) -> list[dict]:
    return athena_rows(
        stack,
        f"SELECT * FROM {PROCESSED_TABLE} WHERE year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}' "
        "ORDER BY uniqueid, recordtimestamp",
    )


def assert_day_is_exact(stack, records: list, day: date) -> None:
    actual, expected = processed_day(stack, day), expected_rows(records, day)
    assert len(actual) == len(expected) > 0, day
    assert [(a, e) for a, e in zip(actual, expected, strict=True) if not same(a, e)] == []


def task_states(stack: Any, dag_id: str, run_id: str) -> dict[str, str]:
    """{task_id: state} of one run (a mapped task: the state of its last instance)."""
    rows = rest(stack, f"{run_path(dag_id, run_id)}/taskInstances?limit=1000")["task_instances"]
    return {r["task_id"]: r["state"] for r in rows}


def run_day_of(stack: Any, dag_id: str, run_id: str) -> str:
    """The day a traffic run published (``{{ run_target() }}``), from its ``publish_day`` task's
    answer: the partition values (year, month, day) it switched."""
    published = rest(stack, f"{run_path(dag_id, run_id)}/taskInstances/publish_day/xcomEntries/return_value")["value"]
    values = {tuple(p["values"]) for table in published.values() for p in table["partitions"]}
    assert len(values) == 1, published
    return "-".join(values.pop())


def task_log_folder(stack: Any, dag_id: str, run_id: str, task_id: str) -> Path:
    """Where Airflow writes a task instance's logs, one file per try."""
    return stack.home / "airflow" / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"


def task_log(stack: Any, dag_id: str, run_id: str, task_id: str) -> tuple[str, str]:
    """A task instance's logs over its tries: what its workers wrote, and what the triggerer
    wrote for it (Airflow keeps that beside the try's log as ``attempt=N.log.trigger.<id>.log``)."""
    folder = task_log_folder(stack, dag_id, run_id, task_id)
    worker = sorted(folder.glob("attempt=*.log"))
    assert worker, f"no log of {dag_id}.{task_id} in {run_id}"
    triggerer = sorted(folder.glob("attempt=*.log.trigger.*.log"))
    return "\n".join(p.read_text() for p in worker), "\n".join(p.read_text() for p in triggerer)


def task_errors(stack: Any, dag_id: str, run_id: str, task_id: str) -> list[str]:
    """The error events of a task instance's worker logs, try by try (JSON lines)."""
    errors = []
    for path in sorted(task_log_folder(stack, dag_id, run_id, task_id).glob("attempt=*.log")):
        for line in path.read_text().splitlines():
            event = json.loads(line) if line.startswith("{") else {}
            if event.get("level") in ("error", "critical"):
                details = " | ".join(d.get("exc_value", "") for d in event.get("error_detail", []))
                errors.append(f"{path.name}: {event.get('event')} {details}".strip())
    return errors


def scheduler_errors(stack: Any, mention: str) -> list[str]:
    """The scheduler's error lines that mention ``mention`` (e.g. "dag.task run_id")."""
    path = stack.logs / "scheduler.log"
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return [line[:500] for line in lines if "[error" in line and mention in line]


def why_not_green(stack: Any, dag_id: str, rows: list[dict]) -> str:
    """For an assertion's message: each run of ``rows`` that did not succeed, its failed tasks and
    their logged errors (a service test fails on a run the test cannot see into otherwise)."""
    lines = []
    for row in rows:
        if row["state"] == "success":
            continue
        run_id = row["dag_run_id"]
        lines.append(f"{run_id}: {row['state']}")
        for task_id, state in task_states(stack, dag_id, run_id).items():
            if state not in ("success", "skipped"):
                lines.append(f"  {task_id}: {state}")
                lines += [f"    {error}" for error in task_errors(stack, dag_id, run_id, task_id)]
                lines += [
                    f"    scheduler: {error}" for error in scheduler_errors(stack, f"{dag_id}.{task_id} {run_id}")
                ]
    return "\n".join(lines)


def land_traffic(stack: Any, first: date, last: date, seed: int, detectors: int = 3) -> list:
    """Generated traffic from ``first`` to ``last`` in the raw bucket as Firehose writes it, and
    traffic_batch parsed and unpaused; returns the raw records, for the reference computation."""
    deliveries = feed.generate(first, last, seed=seed, detector_count=detectors)
    objects = list(feed.firehose_objects(deliveries, seed=seed))
    feed.write_objects(stack.client("s3"), SETTINGS.raw_bucket, objects)
    wait_for_dag(stack, "traffic_batch")
    stack.airflow("dags", "unpause", "traffic_batch")
    return list(records_of(objects))

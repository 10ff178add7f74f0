"""``make demo``: start the embedded local stack, run every pipeline DAG for a sample day
through the real Airflow services, print what each produced, and stop what it started.

Each pipeline adds a ``DemoRun`` to ``RUNS``: which DAG to trigger with what, and how to
show its results.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from local.airflow_env import DEFAULT_HOME
from local.stack import LocalStack, free_port
from pipelines.settings import SETTINGS


@dataclass(frozen=True)
class DemoRun:
    dag_id: str
    logical_date: str
    report: Callable[[LocalStack], list[str]]
    conf: dict[str, Any] = field(default_factory=dict)


def aws_client(stack: LocalStack, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.aws_endpoint,
        region_name=SETTINGS.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def report_healthcheck(stack: LocalStack) -> list[str]:
    key = "healthcheck/2026-03-01.json"
    body = aws_client(stack, "s3").get_object(Bucket=SETTINGS.artifacts_bucket, Key=key)["Body"].read()
    return [f"s3://{SETTINGS.artifacts_bucket}/{key}", f"  {body.decode()}"]


DEMO_HOME = DEFAULT_HOME / "demo"

RUNS = [DemoRun("healthcheck", "2026-03-01T00:00:00+00:00", report_healthcheck)]


def run_and_wait(stack: LocalStack, run: DemoRun, timeout: float = 900) -> str:
    run_id = f"demo__{run.logical_date[:10]}__{int(time.time())}"
    deadline = time.monotonic() + timeout
    while stack.airflow("dags", "details", run.dag_id, check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{run.dag_id} was not parsed")
        time.sleep(2)
    stack.airflow("dags", "unpause", run.dag_id)
    args = ["dags", "trigger", run.dag_id, "--logical-date", run.logical_date, "--run-id", run_id]
    stack.airflow(*args, "--conf", json.dumps(run.conf))
    while time.monotonic() < deadline:
        rows = stack.airflow("dags", "list-runs", run.dag_id, "-o", "json").stdout.strip().splitlines()
        state = next((r["state"] for r in json.loads(rows[-1]) if r["run_id"] == run_id), None) if rows else None
        if state in ("success", "failed"):
            return state
        time.sleep(2)
    raise TimeoutError(f"{run.dag_id} did not finish in {timeout} s")


def main() -> None:
    # Free ports and its own home, so the demo runs beside a `make run` stack; the home stays
    # afterwards for the task logs.
    stack = LocalStack(DEMO_HOME, aws_port=free_port(), api_port=free_port())
    print(f"starting the local stack (Airflow on {stack.ui_url}, local AWS on {stack.aws_endpoint}) ...")
    failures = []
    with stack:
        for run in RUNS:
            started = time.monotonic()
            state = run_and_wait(stack, run)
            print(f"\n== {run.dag_id} for {run.logical_date[:10]}: {state} in {time.monotonic() - started:.0f} s")
            if state == "success":
                print("\n".join(run.report(stack)))
            else:
                failures.append(run.dag_id)
    print(f"\nstack stopped; task logs are in {DEMO_HOME / 'airflow' / 'logs'}")
    if failures:
        sys.exit(f"failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()

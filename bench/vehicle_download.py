"""Vehicle API download benchmark: ``python -m bench.vehicle_download``.

The sample API allows R requests per second. The download DAG runs through the real Airflow
services (a Celery worker, as on MWAA) twice in this benchmark: for a day of P pages and for a day of one
page per endpoint. Its marginal time, the difference, must stay within 1.5x of the physical
bound P/R: the API's rate limit, not Airflow's per-task overhead, must bound it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

from local.stack import DevStack, free_port

RATE = 20  # requests per second
# vehicles/day x readings/vehicle, pageSize 1: pages = vehicles + vehicles x readings.
LARGE = ("10-10", "19-19")  # 10 + 190 = 200 pages
SMALL = ("1-1", "1-1")  # 1 + 1 = 2 pages, one per endpoint
DAY = "2026-03-01"


def run_once(home: Path, volume: tuple[str, str]) -> float:
    """Seconds from the run's start to its end, as the metadata DB records them."""
    vehicles, readings = volume
    args = ("--rate-limit", str(RATE), "--vehicles-per-day", vehicles, "--readings-per-vehicle", readings)
    stack = DevStack(home, free_port(), free_port(), free_port(), vehicle_api_args=args, keep_state=False)
    with stack:
        while stack.airflow("dags", "details", "vehicle_api_download", check=False).returncode != 0:
            time.sleep(1)
        stack.airflow(
            "dags", "trigger", "vehicle_api_download", "--run-id", "bench", "--conf", json.dumps({"date": DAY})
        )
        stack.airflow("dags", "unpause", "vehicle_api_download")
        while True:
            lines = stack.airflow("dags", "list-runs", "vehicle_api_download", "-o", "json").stdout.strip().splitlines()
            run = next((r for r in json.loads(lines[-1]) if r["run_id"] == "bench"), None)
            if run and run["state"] in ("success", "failed"):
                break
            time.sleep(1)
        if run["state"] != "success":
            raise SystemExit(f"download failed; logs in {home}")
        started, ended = (datetime.fromisoformat(run[k]) for k in ("start_date", "end_date"))
        return (ended - started).total_seconds()


def main() -> None:
    # One page per record, at most 16 mapped tasks per endpoint, and the pool as make run sets it.
    os.environ["PIPELINES_VEHICLE_API_PAGE_SIZE"] = "1"
    with tempfile.TemporaryDirectory() as home:
        large = run_once(Path(home) / "large", LARGE)
        small = run_once(Path(home) / "small", SMALL)
    pages = 200 - 2
    bound = pages / RATE
    marginal = large - small
    print("| what | result | goal |")
    print("|---|---|---|")
    print(f"| download DAG, 200 pages at R = {RATE}/s (real services) | {large:.1f} s | - |")
    print(f"| download DAG, 1 page per endpoint | {small:.1f} s | - |")
    print(
        f"| marginal time for {pages} pages vs bound P/R = {bound:.1f} s | {marginal:.1f} s ({marginal / bound:.2f}x) | <= 1.5x |"
    )
    if marginal > 1.5 * bound:
        raise SystemExit("Airflow overhead, not the API's rate limit, bounds the download")


if __name__ == "__main__":
    main()

"""`make capacity`: the DAGs' schedules and the bench's worker-slot seconds turned into an MWAA class."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deploy import capacity
from deploy.mwaa_classes import BY_NAME, CLASSES, HOURS_PER_MONTH
from local.airflow_env import REPO
from local.mwaa_workers import WORKER_CONCURRENCY


def runs(*figures: tuple[float, float, int]) -> list[dict]:
    return [
        {"run_id": f"r{n}", "state": "success", "wall_seconds": wall, "worker_seconds": worker,
         "executions": 10, "peak_slots": peak}
        for n, (wall, worker, peak) in enumerate(figures)
    ]  # fmt: skip


def figures(uber_worker_seconds: float = 25) -> dict:
    return {
        "measured": "2026-12-06",
        "pace": "aws",
        "deferrable": {
            "traffic_batch": runs((150, 40, 2), (170, 44, 3), (160, 42, 2)),
            "vehicle_api_download": runs((60, 50, 5), (60, 50, 5), (60, 50, 4)),
            "vehicle_api_processing": runs((90, 30, 3), (90, 30, 3), (90, 30, 3)),
            "web_hits_hourly": runs((120, 20, 3), (120, 20, 3), (120, 20, 3)),
            "uber_movement": runs((180, uber_worker_seconds, 2), (180, uber_worker_seconds, 2)),
        },
    }


def test_each_dag_runs_as_its_schedule_says_with_the_median_of_its_runs(dagbag):
    loads = capacity.dag_loads(figures(), "deferrable", dagbag.dags)

    traffic = loads["traffic_batch"]
    assert traffic.run_hours == (7.5,)  # the day before, 7 h 30 after it ended
    assert (traffic.worker_seconds, traffic.wall_seconds, traffic.peak_slots, traffic.max_active_runs) == (
        42,
        160,
        3,
        1,
    )
    assert loads["vehicle_api_download"].run_hours == (1.0,)
    # on the download's assets: once a download day has published them
    assert loads["vehicle_api_processing"].run_hours == pytest.approx((1.0 + 60 / 3600,))
    assert sorted(int(h) for h in loads["web_hits_hourly"].run_hours) == list(range(24))
    # arrivals from outside all day: one run after the other
    assert loads["uber_movement"].runs_per_day == 86400 / 180 == 480


def test_the_busiest_hour_decides_the_class_and_what_a_backfill_gets_beside_it(dagbag):
    loads = list(capacity.dag_loads(figures(), "deferrable", dagbag.dags).values())
    # hour 1: 20 Uber Movement runs x 25 s, the download 50, its processing 30, web hits 20
    assert capacity.busiest_hour(loads) == 20 * 25 + 50 + 30 + 20 == 600

    micro, small = capacity.fit(BY_NAME["mw1.micro"], loads, 5), capacity.fit(BY_NAME["mw1.small"], loads, 5)
    assert not micro.fits  # 3 slots, and the download's widest moment needs 5
    assert small.fits and small.busiest_hour_use == pytest.approx(600 / (5 * 3600))
    # traffic: 17,400 free slot-seconds / 42 = 414 runs, but one run at a time of 160 s: 22.5
    assert small.backfill_per_hour["traffic_batch"] == pytest.approx(3600 / 160)
    # web hits: 3 hours at once (max_active_runs) of 120 s each, far under the free slots
    hours = dagbag.dags["web_hits_hourly"].max_active_runs * 3600 / 120
    assert small.backfill_per_hour["web_hits_hourly"] == pytest.approx(min(17400 / 20, hours))
    assert small.monthly_cost == pytest.approx(0.49 * HOURS_PER_MONTH)

    heavy = list(capacity.dag_loads(figures(uber_worker_seconds=500), "deferrable", dagbag.dags).values())
    assert capacity.busiest_hour(heavy) == 20 * 500 + 100  # over half of mw1.small's 18,000 slot-seconds
    assert not capacity.fit(BY_NAME["mw1.small"], heavy, 5).fits
    assert capacity.fit(BY_NAME["mw1.medium"], heavy, 5).fits
    plan = capacity.plan(figures(uber_worker_seconds=500), dagbag.dags)
    assert next(line for line in plan if line.startswith("| all four |")).split(" | ")[2] == "mw1.medium"


def test_the_classes_are_those_the_local_stacks_imitate_and_cheaper_ones_come_first():
    assert list(WORKER_CONCURRENCY) == [c.name for c in CLASSES]
    assert [c.price_per_hour for c in CLASSES] == sorted(c.price_per_hour for c in CLASSES)


def test_the_docs_show_the_plan_of_the_figures_in_the_repository(dagbag):
    measured = json.loads(capacity.FIGURES.read_text())
    page = (REPO / "docs" / "capacity.md").read_text()
    assert "\n".join(capacity.plan(measured, dagbag.dags)) in page


def test_make_capacity_prints_the_plan():
    out = subprocess.run(
        [sys.executable, "-m", "deploy.capacity"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("Worker-slot seconds measured by `make bench`")  # no log line among the plan
    assert "| all four |" in out and "mw1." in out

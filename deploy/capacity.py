"""``make capacity``: the MWAA environment each set of pipelines needs, from the worker-slot
seconds ``make bench`` measured at AWS's pace (``bench/figures/worker_slots.json``) and each DAG's
schedule.

For a set of pipelines: the runs of each DAG in a day (its timetable; a DAG scheduled on another
DAG's assets runs as often as that DAG; one on assets that arrive from outside, Uber Movement's,
is taken at its busiest: arrivals all day, one run after the other), each run's worker-slot
seconds (the median of the bench's runs, deferrable or not), the busiest hour of the day, and
per environment class (``deploy.mwaa_classes``, one worker: MWAA's minimum) how full that hour
keeps its task slots, how many days of a backfill it clears per hour beside it, and what it costs
a month. The class advised is the cheapest that keeps the busiest hour at most HEADROOM full,
has the slots of the widest moment of any run, and is sized for the DAG count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import statistics
import sys
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pendulum

from deploy.mwaa_classes import AS_OF, CLASSES, HOURS_PER_MONTH, PRICE_REGION, SOURCES, EnvironmentClass

FIGURES = Path(__file__).resolve().parents[1] / "bench" / "figures" / "worker_slots.json"
HEADROOM = 0.5  # the busiest hour uses at most half the slots: retries, a backfill, a slow day
PERIODS = {1: "days", 24: "hours"}  # what a backfill of a DAG running so often a day is counted in
PIPELINES = {
    "traffic batch": ("traffic_batch",),
    "vehicle API": ("vehicle_api_download", "vehicle_api_processing"),
    "web hits": ("web_hits_hourly",),
    "Uber Movement": ("uber_movement",),
}
DAY = pendulum.datetime(2026, 1, 5)  # any day: the timetables repeat daily


@dataclass(frozen=True)
class DagLoad:
    dag_id: str
    run_hours: tuple[float, ...]  # the hour of the day each run starts (fractions: spread)
    worker_seconds: float  # per run, median of the bench's runs
    wall_seconds: float
    peak_slots: int
    max_active_runs: int

    @property
    def runs_per_day(self) -> float:
        return len(self.run_hours)


@dataclass(frozen=True)
class ClassFit:
    environment: EnvironmentClass
    busiest_hour_seconds: float  # worker-slot seconds of the busiest hour
    busiest_hour_use: float  # of one worker's slots
    backfill_per_hour: dict[str, float]  # per daily or hourly DAG: periods of a backfill it clears in an hour
    fits: bool

    @property
    def monthly_cost(self) -> float:
        return self.environment.price_per_hour * HOURS_PER_MONTH


def scheduled_hours(timetable: Any) -> list[float]:
    """The hour of the day of each run a time-based timetable makes in one day."""
    from airflow.timetables.base import DataInterval, TimeRestriction

    restriction = TimeRestriction(earliest=DAY.subtract(days=2), latest=None, catchup=True)
    hours: list[float] = []
    last: DataInterval | None = None
    for _ in range(3 * 24 * 60):  # at most one run a minute
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None or info.run_after >= DAY.add(days=1):
            return hours
        if info.run_after >= DAY:
            hours.append(info.run_after.hour + info.run_after.minute / 60)
        last = info.data_interval or DataInterval(info.run_after, info.run_after)
    raise ValueError(f"{timetable!r} runs more than once a minute")


def run_hours(dags: Mapping[str, Any], loads: Mapping[str, Mapping[str, float]]) -> dict[str, list[float]]:
    """The start hour of each run of every DAG in a day (see the module's rules)."""
    producers: dict[str, str] = {}  # asset name -> the DAG whose task has it as an outlet
    for dag in dags.values():
        for task in dag.tasks:
            for outlet in task.outlets:
                producers[outlet.name] = dag.dag_id
    hours: dict[str, list[float]] = {}
    waiting = []  # (DAG, its assets) of the DAGs on another DAG's assets
    for dag in dags.values():
        assets = list(_assets(dag.timetable.asset_condition))
        if assets and all(a.name not in producers for a in assets):  # arrivals from outside, all day
            wall = loads[dag.dag_id]["wall_seconds"]
            hours[dag.dag_id] = [h * wall / 3600 for h in range(math.floor(86400 / wall))]
        elif assets:
            waiting.append((dag, assets))
        else:
            hours[dag.dag_id] = scheduled_hours(dag.timetable)
    for dag, assets in waiting:  # on the assets of a scheduled DAG: a run once its runs published them
        (source,) = {producers[a.name] for a in assets}
        delay = loads[source]["wall_seconds"] / 3600
        hours[dag.dag_id] = [(h + delay) % 24 for h in hours[source]]
    return hours


def _assets(condition: Any) -> Iterable[Any]:
    if hasattr(condition, "objects"):
        for child in condition.objects:
            yield from _assets(child)
    elif getattr(condition, "name", None):
        yield condition


def dag_loads(figures: Mapping[str, Any], mode: str, dags: Mapping[str, Any]) -> dict[str, DagLoad]:
    runs = figures[mode]
    medians = {
        dag_id: {k: statistics.median(r[k] for r in got) for k in ("worker_seconds", "wall_seconds")}
        for dag_id, got in runs.items()
    }
    starts = run_hours({d: dags[d] for d in runs}, medians)
    return {
        dag_id: DagLoad(
            dag_id,
            tuple(starts[dag_id]),
            medians[dag_id]["worker_seconds"],
            medians[dag_id]["wall_seconds"],
            max(r["peak_slots"] for r in runs[dag_id]),
            dags[dag_id].max_active_runs,
        )
        for dag_id in runs
    }


def busiest_hour(loads: Iterable[DagLoad]) -> float:
    """The most worker-slot seconds any hour of the day holds (a run's seconds in its start hour)."""
    per_hour = [0.0] * 24
    for load in loads:
        for hour in load.run_hours:
            per_hour[int(hour) % 24] += load.worker_seconds
    return max(per_hour)


def fit(environment: EnvironmentClass, loads: list[DagLoad], dag_count: int) -> ClassFit:
    slot_seconds = environment.tasks_per_worker * 3600
    busiest = busiest_hour(loads)
    free = max(slot_seconds - busiest, 0.0)
    # a backfill beside the busiest hour: bounded by the free slots and by the runs it may have at once
    backfill = {
        load.dag_id: min(free / load.worker_seconds, load.max_active_runs * 3600 / load.wall_seconds)
        for load in loads
        if load.runs_per_day in PERIODS
    }
    fits = (
        busiest <= HEADROOM * slot_seconds
        and environment.tasks_per_worker >= max(load.peak_slots for load in loads)
        and dag_count <= environment.dag_capacity
    )
    return ClassFit(environment, busiest, busiest / slot_seconds, backfill, fits)


def plan(figures: Mapping[str, Any], dags: Mapping[str, Any], mode: str = "deferrable") -> list[str]:
    """The capacity plan as Markdown lines."""
    loads = dag_loads(figures, mode, dags)
    lines = [
        f"Worker-slot seconds measured by `make bench` on {figures['measured']} at AWS's pace ({mode} waits); "
        f"prices: {PRICE_REGION} list prices of {AS_OF} ({SOURCES['prices']}), classes: {SOURCES['capabilities']}.",
        "",
        "| DAG | runs a day | worker-slot s a run | slot-hours a day | widest moment (slots) | wall a run |",
        "|---|---|---|---|---|---|",
    ]
    for load in loads.values():
        lines.append(
            f"| {load.dag_id} | {load.runs_per_day:.0f} | {load.worker_seconds:.0f} "
            f"| {load.runs_per_day * load.worker_seconds / 3600:.2f} | {load.peak_slots} | {load.wall_seconds:.0f} s |"
        )
    lines += [
        "",
        "| pipeline set | busiest hour (slot-s) | class advised | its slots (1 worker) | schedulers "
        "| busiest hour full | backfill beside it, an hour | a month |",
        "|---|---|---|---|---|---|---|---|",
    ]
    sets = {
        **{name: list(ids) for name, ids in PIPELINES.items()},
        "all four": [d for ids in PIPELINES.values() for d in ids],
    }
    for name, ids in sets.items():
        chosen = [loads[d] for d in ids if d in loads]
        fits = [fit(c, chosen, len(ids)) for c in CLASSES]
        advised = next((f for f in fits if f.fits), None)
        if advised is None:
            lines.append(f"| {name} | {fits[0].busiest_hour_seconds:.0f} | none fits with one worker | | | | | |")
            continue
        backfill = (
            ", ".join(f"{d}: {n:.0f} {PERIODS[loads[d].runs_per_day]}" for d, n in advised.backfill_per_hour.items())
            or "-"
        )
        lines.append(
            f"| {name} | {advised.busiest_hour_seconds:.0f} | {advised.environment.name} | {advised.environment.tasks_per_worker} "
            f"| {advised.environment.schedulers} | {advised.busiest_hour_use:.0%} | {backfill} "
            f"| ${advised.monthly_cost:,.0f} |"
        )
    every = [loads[d] for ids in PIPELINES.values() for d in ids if d in loads]
    lines += [
        "",
        "All four on each class (one worker; each extra worker adds its slots at the class's worker price):",
        "",
        "| class | slots | busiest hour full | traffic backfill, days an hour | a month | extra worker a month |",
        "|---|---|---|---|---|---|",
    ]
    for environment in CLASSES:
        f = fit(environment, every, sum(len(ids) for ids in PIPELINES.values()))
        extra = (
            f"${environment.worker_price_per_hour * HOURS_PER_MONTH:,.0f}" if environment.worker_price_per_hour else "-"
        )
        traffic = f.backfill_per_hour.get("traffic_batch")
        lines.append(
            f"| {environment.name} | {environment.tasks_per_worker} | {f.busiest_hour_use:.0%} "
            f"| {'-' if traffic is None else f'{traffic:.0f}'} | ${f.monthly_cost:,.0f} | {extra} |"
        )
    return lines


def load_dags() -> dict[str, Any]:
    """The project's DAGs, parsed quietly: the plan is the output."""
    from airflow.dag_processing.dagbag import DagBag

    logging.disable(logging.WARNING)
    try:
        # Airflow's structlog writes the DagBag's info line to stdout, where the plan goes
        with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
            warnings.simplefilter("ignore")
            return dict(DagBag(str(Path(__file__).resolve().parents[1] / "dags")).dags)
    finally:
        logging.disable(logging.NOTSET)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make capacity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=Path, default=FIGURES)
    parser.add_argument("--mode", choices=("deferrable", "not_deferrable"), default="deferrable")
    args = parser.parse_args(argv)
    print("\n".join(plan(json.loads(args.figures.read_text()), load_dags(), args.mode)))


if __name__ == "__main__":
    main()

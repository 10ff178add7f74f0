"""The day a daily run (the hour an hourly run) processes, whichever way it was started.

Scheduled and backfill runs carry the day (hour) as their logical date (the start of the data
interval). A manual run names it with the ``date`` (``hour``) param, or with its logical date: the
timetable decides which day a logical date means. The logical date is read, not the data
interval, because ``airflow dags trigger --logical-date`` infers the interval from the time of
the trigger, not from the date given. A run without a logical date (the UI form left empty)
takes its data interval, which Airflow infers from the time it was triggered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pendulum
from airflow.timetables.base import Timetable
from jinja2 import pass_context
from jinja2.runtime import Context


class RunDayError(ValueError):
    """The run names no day at all."""


def _interval_start(
    param: str, logical_date: datetime | None, data_interval_start: datetime | None, timetable: Timetable
) -> pendulum.DateTime:
    if logical_date is not None:
        return timetable.infer_manual_data_interval(run_after=pendulum.instance(logical_date)).start.in_timezone("UTC")
    if data_interval_start is not None:
        return pendulum.instance(data_interval_start).in_timezone("UTC")
    raise RunDayError(f"the run has neither a `{param}` param, a logical date nor a data interval")


def resolve_run_day(
    params: Mapping[str, Any],
    logical_date: datetime | None,
    data_interval_start: datetime | None,
    timetable: Timetable,
) -> str:
    """``YYYY-MM-DD`` of the day this run processes."""
    if params.get("date"):
        return str(params["date"])
    return _interval_start("date", logical_date, data_interval_start, timetable).date().isoformat()


def resolve_run_hour(
    params: Mapping[str, Any],
    logical_date: datetime | None,
    data_interval_start: datetime | None,
    timetable: Timetable,
) -> str:
    """``YYYY-MM-DDTHH`` of the hour this run processes."""
    if params.get("hour"):
        return str(params["hour"])
    return _interval_start("hour", logical_date, data_interval_start, timetable).strftime("%Y-%m-%dT%H")


@pass_context
def run_day(context: Context) -> str:
    """Jinja macro ``{{ run_day() }}``: the run's day, from the template context."""
    return resolve_run_day(
        context["params"], context.get("logical_date"), context.get("data_interval_start"), context["dag"].timetable
    )


@pass_context
def run_hour(context: Context) -> str:
    """Jinja macro ``{{ run_hour() }}``: the run's hour, from the template context."""
    return resolve_run_hour(
        context["params"], context.get("logical_date"), context.get("data_interval_start"), context["dag"].timetable
    )

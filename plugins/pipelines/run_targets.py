"""What a run processes, its *target*: a day, days, an hour or hours, decided one way in every DAG.

A single target (``DAY``, ``HOUR``) is the run's ``date`` (``hour``) param, else the period its
logical date names, else the period of its data interval (a run triggered without a logical
date: Airflow infers the interval from the trigger time). A list target (``DAYS``, ``HOURS``)
is the list its DAG's *resolving task* returns (it reads the ``dates`` / ``hours`` param, a
partition key or S3); templates and tasks read it from that task's XCom.

One rule turns a moment into a period (``period_of``), for the timetables and for manual runs
alike: the start of a period names that period (``airflow dags test DAG 2020-07-14`` processes
2020-07-14, as the scheduled run of that logical date does); any other moment names the latest
period complete ``delay`` before it, as the schedule would have run it. The logical date is
read, not the data interval: ``airflow dags trigger --logical-date`` infers the interval from
the time of the trigger, not from the date given.

Hours are written ``YYYY-MM-DDTHH`` everywhere (the seed's ``target_datetime``);
``YYYY-MM-DD-HH``, which the ``hours`` param took before, is still read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pendulum
from airflow.sdk import Param
from jinja2 import pass_context

from pipelines.calendar_patterns import DAY, END, HOUR_OF_DAY, day_pattern, hour_pattern

HOUR_FORMAT = "%Y-%m-%dT%H"
_LEGACY_HOUR = re.compile(hour_pattern("-"))  # the hours param's earlier form, still read
_LIST_HOUR = rf"^{DAY}[T-]{HOUR_OF_DAY}{END}"


class RunTargetError(ValueError):
    """The run names nothing to process, or names it in a form no target reads."""


def period_of(moment: datetime, period: str, delay: timedelta = timedelta(0)) -> pendulum.DateTime:
    """The start of the UTC ``period`` ("day" or "hour") that ``moment`` names (see the module)."""
    moment = pendulum.instance(moment).in_timezone("UTC")
    start = moment.start_of(period)
    if moment == start:
        return start
    return (moment - delay).start_of(period).subtract(**{f"{period}s": 1})


@dataclass(frozen=True)
class RunTarget:
    """One kind of target: its param, its failure-event field, how a value is written."""

    param_name: str  # the manual run's param
    period: str  # "day" or "hour"
    many: bool  # a list, returned by the DAG's resolving task
    event_field: str  # the failure event's detail field
    # How a DAG asks for it (``asked``): the param's title, bounds and description; for a list,
    # the task returning it.
    title: str = ""
    resolving_task: str = ""
    min_items: int | None = None
    max_items: int | None = None
    description: str = ""

    def asked(
        self,
        title: str,
        *,
        resolved_by: str = "",
        min_items: int | None = None,
        max_items: int | None = None,
        description: str = "",
    ) -> RunTarget:
        """This target as one DAG asks for it: its param's ``title`` (and, for a list, bounds), and
        for a list the task ``resolved_by`` that returns it."""
        if self.many != bool(resolved_by):
            raise ValueError("a list target, and only a list target, is returned by a resolving task")
        return replace(self, title=title, resolving_task=resolved_by, min_items=min_items, max_items=max_items,
                       description=description)  # fmt: skip

    def param(self) -> Param:
        """The manual run's param, validated when the run is created (CLI, REST API, UI form)."""
        if not self.title:
            raise ValueError(f"the {self.param_name!r} target is not asked for yet: use .asked(title)")
        title, min_items, max_items, description = self.title, self.min_items, self.max_items, self.description
        if self.period == "day":
            form, one = "YYYY-MM-DD", {"format": "date", "pattern": day_pattern(), "maxLength": 10}
        else:  # a list still reads the earlier YYYY-MM-DD-HH
            form, one = (
                "YYYY-MM-DDTHH, UTC",
                {"pattern": _LIST_HOUR if self.many else hour_pattern("T"), "maxLength": 13},
            )
        title = f"{title} ({form})"
        if self.many:
            bounds = {key: n for key, n in (("minItems", min_items), ("maxItems", max_items)) if n is not None}
            return Param(None, type=["null", "array"], items={"type": "string", **one}, **bounds, title=title,
                         description=description or "Empty: decided by the run (see the DAG's description).")  # fmt: skip
        description = (
            description or f"Empty: the run's own {self.period} (the previous {self.period} of a scheduled run)."
        )
        return Param(None, type=["null", "string"], **one, title=title, description=description)

    def write(self, start: datetime) -> str:
        """A period's start as this target writes it."""
        start = pendulum.instance(start).in_timezone("UTC")
        return start.date().isoformat() if self.period == "day" else start.strftime(HOUR_FORMAT)

    def requested(self, params: Mapping[str, Any]) -> list[str]:
        """The values the run's param names, in the one form, sorted and unique."""
        value = params.get(self.param_name)
        values = (value or []) if self.many else ([value] if value else [])
        return sorted({self._normal(v) for v in values})

    def _normal(self, value: str) -> str:
        if self.period == "hour" and isinstance(value, str) and _LEGACY_HOUR.match(value):
            return f"{value[:10]}T{value[11:]}"
        return value

    def value(self, context: Mapping[str, Any]) -> str | list[str]:
        """The target of the run whose task (or template) context is ``context``."""
        if self.many:
            return context["ti"].xcom_pull(task_ids=self.resolving_task) or []
        requested = self.requested(context["params"])
        if requested:
            return requested[0]
        own = self.own(context.get("logical_date"), context.get("data_interval_start"), context["dag"].timetable)
        if own is None:
            raise RunTargetError(f"the run has neither a `{self.param_name}` param, a logical date nor a data interval")
        return own

    def own(self, logical_date: datetime | None, interval_start: datetime | None, timetable: Any) -> str | None:
        """The period a run processes when nothing names one (see the module): the one its
        logical date names, else its data interval's; None for a run with neither."""
        moment = logical_date if logical_date is not None else interval_start
        if moment is None:
            return None
        return self.write(period_of(moment, self.period, getattr(timetable, "delay", timedelta(0))))

    def event_template(self) -> str:
        """The failure event's value: the target, a list joined by commas (empty if not resolved yet)."""
        return "{{ run_target() | join(',') }}" if self.many else "{{ run_target() }}"

    def macro(self) -> Any:
        """Jinja's ``{{ run_target() }}`` for this target."""

        @pass_context
        def run_target(context: Any) -> str | list[str]:
            return self.value(context)

        return run_target


DAY_TARGET = RunTarget("date", "day", False, "target_day")
DAYS_TARGET = RunTarget("dates", "day", True, "target_dates")
HOUR_TARGET = RunTarget("hour", "hour", False, "target_hour")
HOURS_TARGET = RunTarget("hours", "hour", True, "target_hours")

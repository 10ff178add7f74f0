"""Registers the project's timetables with Airflow (the scheduler deserializes DAGs with them)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from pipelines.timetables import PreviousDayTimetable, PreviousHourTimetable


class PipelinesPlugin(AirflowPlugin):
    name = "pipelines"
    timetables = [PreviousDayTimetable, PreviousHourTimetable]

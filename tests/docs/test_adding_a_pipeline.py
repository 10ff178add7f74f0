"""docs/adding-a-pipeline.md is true: its snippets, copied as written into an empty folder, make a
pipeline that runs end to end against the local AWS with ``dag.test()``."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pendulum
import pytest
from airflow.utils.state import DagRunState

import pipelines
from pipelines.settings import SETTINGS
from tests.support.athena import athena_rows

pytestmark = pytest.mark.pipeline
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "adding-a-pipeline.md"
SNIPPET = re.compile(r"```(?:python|sql)\n(?:#|--) file: (\S+)\n(.*?)```", re.DOTALL)


def snippets() -> dict[str, str]:
    """The guide's files: each fenced block whose first line names its path."""
    return {path: body for path, body in SNIPPET.findall(GUIDE.read_text())}


def test_the_guide_names_a_file_for_each_part_of_the_recipe():
    assert sorted(snippets()) == [
        "dags/calendar_days.py",
        "include/sql/calendar_days/checks/day.sql",
        "include/sql/calendar_days/create_calendar_days.sql",
        "include/sql/calendar_days/insert_day.sql",
        "plugins/pipelines/calendar_days/checks.py",
        "plugins/pipelines/calendar_days/tables.py",
    ]


def test_the_guides_pipeline_runs_end_to_end_and_a_rerun_replaces_its_day(tmp_path, monkeypatch, local_aws, airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    for path, body in snippets().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(body)
    (tmp_path / "plugins/pipelines/calendar_days/__init__.py").write_text('"""The guide\'s example."""\n')
    # The new package beside the project's (on MWAA both are in plugins.zip), its DAG folder a
    # bundle of its own beside the project's, which dag.test() writes to the metadata database.
    monkeypatch.setattr(pipelines, "__path__", [*pipelines.__path__, str(tmp_path / "plugins" / "pipelines")])
    local_bundle = "airflow.dag_processing.bundles.local.LocalDagBundle"
    bundles = [
        {"name": "dags-folder", "classpath": local_bundle, "kwargs": {}},
        {"name": "guide", "classpath": local_bundle, "kwargs": {"path": str(tmp_path / "dags")}},
    ]
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps(bundles))
    bag = DagBag(str(tmp_path / "dags"))
    assert bag.import_errors == {}
    dag = bag.get_dag("calendar_days")
    day = date(2020, 7, 14)
    expected = [{"day_of_year": day.timetuple().tm_yday, "quarter": (day.month - 1) // 3 + 1, "day": "2020-07-14"}]

    for _ in range(2):  # the second run replaces the day's partition
        result = dag.test(logical_date=pendulum.datetime(2020, 7, 14, tz="UTC"))
        assert result.state == DagRunState.SUCCESS
        rows = athena_rows(local_aws, 'SELECT day_of_year, quarter, day FROM "calendar_days"', SETTINGS.lake_database)
        assert rows == expected
    states = {ti.task_id: ti.state for ti in result.get_task_instances()}
    assert states["describe_failure"] == "skipped" and states["publish_day"] == "success"

"""One convention for every SQL file under include/sql/, whatever the pipeline.

A ``{# ... #}`` header (removed when rendered) that says what the statement does and names every
template variable it reads: ``params.*`` (from the pipeline's ``sql_params``) and the tasks whose
XCom it pulls. One statement per file, no ``;``. Names are quoted with backticks in DDL and double
quotes in DML, as Athena wants; the run's day comes from ``run_day()`` or the resolved dates.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines import vehicle_api
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import sql_params as traffic_sql_params
from pipelines.uber_movement.tables import sql_params as uber_movement_sql_params
from pipelines.vehicle_api.tables import sql_params as vehicle_sql_params
from pipelines.web_hits.tables import sql_params as web_hits_sql_params

SQL = Path(__file__).resolve().parents[3] / "include" / "sql"
FILES = sorted(SQL.rglob("*.sql"))
PARAMS = {
    "traffic": traffic_sql_params(SETTINGS),
    "vehicle_api": vehicle_sql_params(SETTINGS),
    "web_hits": web_hits_sql_params(SETTINGS),
    "uber_movement": uber_movement_sql_params(SETTINGS),
}


def split(path: Path) -> tuple[str, str]:
    text = path.read_text()
    assert text.startswith("{#"), f"{path.relative_to(SQL)} has no {{# #}} header"
    header, _, body = text[2:].partition("#}")
    return header, body


def test_every_pipeline_folder_is_covered():
    assert {p.relative_to(SQL).parts[0] for p in FILES} == set(PARAMS)
    assert vehicle_api.__doc__ and len(FILES) > 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SQL)))
def test_header_names_every_variable_and_the_file_holds_one_statement(path):
    header, body = split(path)
    used = set(re.findall(r"params\.(\w+)", body))
    assert used <= set(PARAMS[path.relative_to(SQL).parts[0]]), f"unknown params: {used}"
    assert all(f"params.{name}" in header for name in used), f"undocumented params in {path.name}"
    for task_id in re.findall(r'xcom_pull\(task_ids="(\w+)"\)', body):
        assert task_id in header, f"{path.name} pulls the XCom of {task_id} without saying so"
    outside_strings = re.sub(r"'[^']*'", "''", body)
    assert ";" not in outside_strings, f"{path.name}: one statement per file, no separator"
    assert "settings." not in body, "SQL reads params.*, not the settings object"

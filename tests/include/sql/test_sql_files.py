"""One convention for every SQL file under include/sql/, whatever the pipeline.

A ``{# ... #}`` header (removed when rendered) that says what the statement does and names every
template variable it reads: ``params.*`` (from its pipeline's ``sql_params``, or a DDL template's
own, given by ``pipelines.recipe``) and the recipe's macros. One statement per file, no ``;``.
Names are quoted with backticks in DDL and double quotes in DML, as Athena wants; what the run
processes comes from ``run_target()``, attempts from ``attempt_of()``, never from raw XCom.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import pipelines
from pipelines.settings import SETTINGS

SQL = Path(__file__).resolve().parents[3] / "include" / "sql"
FILES = sorted(SQL.rglob("*.sql"))
DDL_TEMPLATE_PARAMS = {"table", "published", "attempts"}  # pipelines.recipe.Pipeline.create_tables
MACROS = ("run_target()", "attempt_of(", "attempt_id()", "sql_strings(", "sql_dates(")


def pipeline_params() -> dict[str, dict[str, str]]:
    """Each pipeline package's SQL params (``pipelines.<name>.tables.sql_params``), by its name."""
    found = {}
    for package in pkgutil.iter_modules(pipelines.__path__):
        if package.ispkg:
            tables = importlib.import_module(f"pipelines.{package.name}.tables")
            if hasattr(tables, "sql_params"):
                found[package.name] = tables.sql_params(SETTINGS)
    return found


PARAMS = pipeline_params()


def split(path: Path) -> tuple[str, str]:
    text = path.read_text()
    assert text.startswith("{#"), f"{path.relative_to(SQL)} has no {{# #}} header"
    header, _, body = text[2:].partition("#}")
    return header, body


def test_every_sql_folder_is_a_pipeline_packages_and_every_package_with_sql_has_one():
    assert {p.relative_to(SQL).parts[0] for p in FILES} == set(PARAMS)
    assert len(PARAMS) == 4 and len(FILES) > 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SQL)))
def test_header_names_every_variable_and_the_file_holds_one_statement(path):
    header, body = split(path)
    used = set(re.findall(r"params\.(\w+)", body))
    assert used <= set(PARAMS[path.relative_to(SQL).parts[0]]) | DDL_TEMPLATE_PARAMS, f"unknown params: {used}"
    assert all(f"params.{name}" in header for name in used), f"undocumented params in {path.name}"
    for macro in MACROS:
        if macro in body:
            assert macro.rstrip("()") in header, f"{path.name} uses {macro} without saying so"
    assert "xcom_pull" not in body, "the run's target and attempts come from run_target() and attempt_of()"
    outside_strings = re.sub(r"'[^']*'", "''", body)
    assert ";" not in outside_strings, f"{path.name}: one statement per file, no separator"
    assert "settings." not in body, "SQL reads params.*, not the settings object"

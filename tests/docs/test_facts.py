"""What the docs name exists: every DAG, table, setting, SQL file, repository path and link in
README.md and docs/*.md (the guide's own example, `calendar_days`, exists in the guide)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.settings import SPEC
from pipelines.traffic import tables as traffic
from pipelines.uber_movement import tables as uber_movement
from pipelines.vehicle_api import tables as vehicle_api
from pipelines.web_hits import tables as web_hits

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
GUIDE_EXAMPLE = "calendar_days"
TOP_FOLDERS = ("dags/", "plugins/", "include/", "local/", "deploy/", "tests/", "docs/", "bench/", "constraints/")
SQL = REPO / "include" / "sql"


def prose(path: Path) -> str:
    """The text outside fenced blocks."""
    return re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)


def quoted(path: Path) -> list[str]:
    return re.findall(r"`([^`\n]+)`", prose(path))


def first_cells(path: Path, header: str) -> list[str]:
    """The backticked names in the first column of the markdown tables whose first header is ``header``."""
    names, inside = [], False
    for line in path.read_text().splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0] == header:
                inside = True
            elif inside and not set(cells[0]) <= set("-: "):
                names += re.findall(r"`([^`]+)`", cells[0])
        else:
            inside = False
    return names


def known_tables() -> set[str]:
    published = {
        *traffic.PUBLISHED,
        traffic.LINES_TABLE,
        *vehicle_api.TABLES,
        *web_hits.AGGREGATES,
        uber_movement.TABLE,
    }
    created = set()
    for path in SQL.rglob("*.sql"):
        created |= set(re.findall(r"CREATE EXTERNAL TABLE IF NOT EXISTS `[^`]+`\.`(\w+)`", path.read_text()))
    crawled = {traffic.RAW_PREFIX.strip("/"), uber_movement.RAW_TABLE, web_hits.RAW_TABLE}
    return published | {f"{t}_attempts" for t in published} | created | crawled


@pytest.fixture(scope="module")
def dag_ids(dagbag) -> set[str]:
    return set(dagbag.dag_ids) | {GUIDE_EXAMPLE}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_dag_named_exists(doc, dag_ids):
    text = doc.read_text()
    named = set(first_cells(doc, "DAG"))
    named |= set(re.findall(r"airflow dags (?:test|trigger|unpause|pause|details) (\w+)", text))
    named |= set(re.findall(r"--dag-id (\w+)", text))
    assert named - dag_ids == set()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_table_named_exists(doc):
    assert set(first_cells(doc, "table")) - known_tables() == set()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_setting_named_exists(doc):
    named = set(re.findall(r"\bPIPELINES_[A-Z_]+[A-Z]\b", doc.read_text()))
    assert named - {spec.env_var for spec in SPEC.values()} == set()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_sql_file_and_repository_path_named_exists(doc):
    sql_files = [str(p.relative_to(SQL)) for p in SQL.rglob("*.sql")]
    missing = []
    for token in quoted(doc):  # a file name, not a call such as `spark.sql`
        token = token.split(" ")[0].rstrip(":,.")
        if GUIDE_EXAMPLE in token or any(c in token for c in "<>{}*"):
            continue
        if token.startswith(TOP_FOLDERS):
            if not (REPO / token.split("#")[0]).exists():
                missing.append(token)
        elif re.fullmatch(r"[\w/]*[_/][\w/]*\.sql", token) and not any(
            f == token or f.endswith(f"/{token}") for f in sql_files
        ):
            missing.append(token)
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_link_to_a_file_leads_to_one(doc):
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text())
    assert [link for link in links if "://" not in link and not (doc.parent / link).exists()] == []


def test_the_readme_is_short():
    assert len((REPO / "README.md").read_text().splitlines()) <= 150

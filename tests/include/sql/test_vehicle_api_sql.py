"""The seed-001 analysis (include/sql/vehicle_api/insert_measurement_intervals.sql) on hand-built measurements, through the local Athena.

The seed's query divides epoch milliseconds by 1000 as bigints (whole seconds, truncated)
before taking the gap to the next measurement; the expected figures below are worked out by
hand with that arithmetic, and differ from an average of millisecond gaps.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pytest

from pipelines.settings import SETTINGS
from pipelines.sql import MACROS
from pipelines.vehicle_api.tables import sql_params
from tests.support.athena import athena_rows

SQL_DIR = Path(__file__).resolve().parents[3] / "include" / "sql" / "vehicle_api"
DAY = "2026-03-05"
D0 = int(datetime(2026, 3, 5, tzinfo=UTC).timestamp() * 1000)

# (vehicle_id, vehicle_type, milliseconds after DAY 00:00 UTC, sensor_value)
MEASUREMENTS = [
    # seconds 1, 2, 2, 5 (4.0 has no value): gaps 1, 0, 3 -> 4/3 (milliseconds: 0.2, 0.7, 2.2 s -> 1.0333)
    ("T1", "truck", 1_900, 10.0),
    ("T1", "truck", 2_100, 11.0),
    ("T1", "truck", 2_800, 12.0),
    ("T1", "truck", 4_000, None),
    ("T1", "truck", 5_000, 13.0),
    # 10.999 s and 11.000 s: one millisecond apart, one whole second by the seed's arithmetic
    ("T2", "truck", 10_999, 1.0),
    ("T2", "truck", 11_000, 2.0),
    # a single measurement: no gap, not averaged
    ("T3", "truck", 30_000, 5.0),
    # three measurements within second 0: gaps 0, 0
    ("B1", "bus", 500, 1.0),
    ("B1", "bus", 700, 2.0),
    ("B1", "bus", 900, 3.0),
    # the next day's measurement is another day's series
    ("B1", "bus", 86_400_300, 4.0),
]
EXPECTED = {"truck": ((4 / 3 + 1) / 2, 2), "bus": (0.0, 1)}


@pytest.fixture(scope="module")
def lake(local_aws):
    """A database and bucket of this module's own, with the project's table definitions."""
    uid = uuid.uuid4().hex[:8]
    settings = dataclasses.replace(SETTINGS, lake_database=f"va_sql_{uid}", lake_bucket=f"va-sql-{uid}")
    local_aws.client("s3").create_bucket(Bucket=settings.lake_bucket)
    local_aws.client("glue").create_database(DatabaseInput={"Name": settings.lake_database})
    for table in ("sensor_data", "measurement_intervals"):
        for name in (table, f"{table}_attempts"):  # as pipelines.recipe's create_tables gives them
            own = {"table": name, "published": table, "attempts": name != table}
            athena_rows(local_aws, render(f"create_{table}", settings, own=own), settings.lake_database)
    return settings


def render(name: str, settings, dates: list[str] | None = None, own: dict | None = None) -> str:
    """As the DAG renders it: the run's dates, and no sensor_data attempt (the published table as it is)."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, loader=jinja2.FileSystemLoader(SQL_DIR.parent))
    return env.from_string((SQL_DIR / f"{name}.sql").read_text()).render(
        params={**sql_params(settings), **(own or {})},
        run_target=lambda: dates,
        attempt_of=lambda table: "none-0",
        attempt_id=lambda: "test-1",
        **MACROS,
    )


def test_analysis_uses_whole_seconds_truncated_as_the_seeds_query_does(local_aws, lake):
    values = ", ".join(
        f"('{vid}', {D0 + offset}, {'NULL' if value is None else value}, "
        f"DATE '{datetime.fromtimestamp((D0 + offset) / 1000, UTC).date()}', '{vtype}')"
        for vid, vtype, offset, value in MEASUREMENTS
    )
    athena_rows(local_aws, f"INSERT INTO sensor_data VALUES {values}", lake.lake_database)

    athena_rows(local_aws, render("insert_measurement_intervals", lake, [DAY]), lake.lake_database)

    rows = athena_rows(
        local_aws,
        "SELECT vehicle_type, average_seconds_between_measurements AS avg, vehicles, processed_date "
        "FROM measurement_intervals_attempts WHERE attempt = 'test-1' ORDER BY vehicle_type",
        lake.lake_database,
    )
    assert {r["vehicle_type"]: (r["avg"], r["vehicles"]) for r in rows} == {
        vtype: (pytest.approx(avg, abs=1e-12), count) for vtype, (avg, count) in EXPECTED.items()
    }
    assert {r["processed_date"] for r in rows} == {DAY}

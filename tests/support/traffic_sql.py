"""The traffic ETL statements of include/sql/traffic/ run as the DAG runs them, for tests: each
``Traffic`` has a raw folder and tables of its own in the shared local AWS."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
from airflow.sdk.execution_time import macros

from local import athena_queries
from pipelines.partitions import latest_attempt, publish
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import day_values
from tests.support.athena import athena_rows

SQL_DIR = Path(__file__).resolve().parents[2] / "include" / "sql" / "traffic"
RAW_COLUMNS = (
    "unieke_id",
    "lve_nr",
    "tijd_waarneming",
    "defect",
    "rekendata_bezettingsgraad",
    *(f"verkeersintensiteit_klasse{n}" for n in range(1, 6)),
    *(f"voertuigsnelheid_rekenkundig_klasse{n}" for n in range(1, 6)),
)
DAY = date(2020, 7, 14)
D0 = int(datetime(2020, 7, 14, tzinfo=UTC).timestamp())  # 1594684800


@dataclass(frozen=True)
class Statement:
    """One ETL statement as traffic_batch runs it: its name (its task's id, or for a DDL statement,
    which the create_tables task runs, ``create_<table or file>``), its file, the params of its own."""

    name: str
    path: Path
    own: dict

    @property
    def ddl(self) -> bool:
        return self.name.startswith("create_")

    def render(self, params: dict, attempt: str = "run-1") -> str:
        return render(self.path, {**params, **self.own}, attempt)


def statements(params: dict) -> list[Statement]:
    """The ETL's statements in the order traffic_batch runs them (test_traffic_sql checks the DAG's
    tasks against this list), for the tables ``params`` names: the lines table's DDL, then each
    DDL template's published table and its attempts table, then the day's statements."""
    ddl = [Statement("create_lines_table", SQL_DIR / "create_lines_table.sql", {})]
    for template, published in (
        ("traffic_processed", params["processed_table"]),
        ("traffic_rejects", params["rejects_table"]),
    ):
        for suffix, name in (("", published), ("_attempts", f"{published}_attempts")):
            own = {"table": name, "published": published, "attempts": bool(suffix)}
            ddl.append(Statement(f"create_{template}{suffix}", SQL_DIR / f"create_{template}.sql", own))
    steps = ("add_line_partitions", "insert_day", "insert_rejects")
    return ddl + [Statement(step, SQL_DIR / f"{step}.sql", {}) for step in steps]


def render(path: Path, params: dict, attempt: str = "run-1") -> str:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, loader=jinja2.FileSystemLoader(SQL_DIR.parent))
    # The DAG's run_target() macro gives the `date` param when it is set (pipelines.run_targets);
    # attempt_id() and attempt_of(table), as the DAG gives them (pipelines.partitions, pipelines.recipe).
    return env.from_string(path.read_text()).render(
        params=params,
        macros=macros,
        run_target=lambda: params["date"],
        attempt_id=lambda: attempt,
        attempt_of=lambda table: attempt,
    )


def lane(uid: int, lve: int, ts: int, counts=(0, 1, 0, 0, 0), speeds=(0, 100, 0, 0, 0), occ=5, defect=0) -> dict:
    """A raw lane record; the defaults are one car at 100 km/h."""
    return dict(zip(RAW_COLUMNS, (uid, lve, ts, defect, occ, *counts, *speeds), strict=True))


def at(hh: int, mm: int, day_offset: int = 0) -> int:
    return D0 + day_offset * 86_400 + hh * 3600 + mm * 60


def hour_key(day_offset: int, hh: int) -> tuple[str, str, str, str]:
    when = datetime.fromtimestamp(D0 + day_offset * 86_400 + hh * 3600, UTC)
    return f"{when:%Y}", f"{when:%m}", f"{when:%d}", f"{when:%H}"


@dataclass
class Traffic:
    """One test's raw folder and tables (lines, processed, quarantine) in the shared local AWS."""

    aws: object
    uid: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    raw_prefix: str = ""  # default: sqltest-<uid>/traffic/
    run: str = ""  # the DAG run's key in attempt names; default: uid
    objects: int = 0
    tries: int = 0  # run_etl calls: tries of one run (uid), as a DAG run's retries are

    @property
    def processed_table(self) -> str:
        return f"traffic_processed_{self.uid}"

    @property
    def attempts_table(self) -> str:
        return f"{self.processed_table}_attempts"

    @property
    def rejects_table(self) -> str:
        return f"traffic_rejects_{self.uid}"

    @property
    def attempt(self) -> str:
        return f"{self.run}-{self.tries}"

    def __post_init__(self) -> None:
        self.raw_prefix = self.raw_prefix or f"sqltest-{self.uid}/traffic/"
        self.run = self.run or self.uid

    def params(self, day: date = DAY) -> dict:
        return {
            "raw_database": SETTINGS.raw_database,
            "raw_bucket": SETTINGS.raw_bucket,
            "raw_prefix": self.raw_prefix,
            "lines_table": f"traffic_lines_{self.uid}",
            "lake_database": SETTINGS.lake_database,
            "processed_table": self.processed_table,
            "attempts_table": self.attempts_table,
            "rejects_table": self.rejects_table,
            "rejects_attempts_table": f"{self.rejects_table}_attempts",
            "lake_bucket": SETTINGS.lake_bucket,
            "date": day.isoformat(),
        }

    def deliver(self, hour: tuple[str, str, str, str], records: list[dict | str]) -> int:
        """One Firehose object in an arrival hour; a str record is a raw line as it is."""
        self.objects += 1
        folder = f"{self.raw_prefix}{'/'.join(hour)}/"
        key = f"{folder}traffic-delivery-stream-1-{'-'.join(hour)}-00-00-{self.uid}{self.objects:04d}"
        body = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode()
        self.aws.client("s3").put_object(Bucket=SETTINGS.raw_bucket, Key=key, Body=body)
        return len(body)

    def run_etl(self, day: date = DAY) -> dict[str, dict]:
        """The statements into a new attempt, then the DAG's find and publish; returns each
        statement's execution by its name."""
        self.tries += 1
        params = self.params(day)
        executions = {s.name: self.query(s.render(params, self.attempt)) for s in statements(params)}
        glue, s3 = self.aws.client("glue"), self.aws.client("s3")
        covered = [day_values(day.isoformat())]
        for table, required in ((self.rejects_table, False), (self.processed_table, True)):
            found = latest_attempt(glue, SETTINGS.lake_database, f"{table}_attempts", self.run, required=required)
            publish(glue, s3, SETTINGS.lake_database, table, f"{table}_attempts", found, self.run, covered=covered)
        return executions

    def query(self, sql: str) -> dict:
        """The execution of ``sql``, which must succeed."""
        try:
            return athena_queries.run(self.aws.client("athena"), sql, SETTINGS.lake_database, SETTINGS.athena_workgroup)
        except athena_queries.QueryError as err:
            raise AssertionError(str(err)) from None

    def select(self, sql: str) -> list[dict]:
        """Rows of a SELECT as dicts with Python values (int / float / str / None)."""
        return athena_rows(self.aws, sql)

    def processed(self, day: date = DAY) -> list[dict]:
        return self.select(
            f'SELECT * FROM "{SETTINGS.lake_database}"."{self.processed_table}" '
            f"WHERE year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}' "
            "ORDER BY uniqueid, recordtimestamp"
        )

    def rejects(self, day: date = DAY) -> list[tuple[str, str, str]]:
        """The quarantine of arrival day ``day``: (arrival_hour, reason, line), sorted."""
        rows = self.select(
            f'SELECT arrival_hour, reason, line FROM "{SETTINGS.lake_database}"."{self.rejects_table}" '
            f"WHERE year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}'"
        )
        return sorted((r["arrival_hour"], r["reason"], r["line"]) for r in rows)

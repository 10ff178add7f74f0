"""The traffic ETL statements of include/sql/traffic/, rendered as Airflow would and run on the local Athena.

Each test writes raw Firehose objects under its own prefix (arrival-hour folders), runs the
statements for a day with tables of its own, publishes as the DAG does and reads the processed
table and the quarantine back through Athena.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import duckdb
import pytest
from airflow.providers.amazon.aws.operators.athena import AthenaOperator

from pipelines.settings import SETTINGS
from pipelines.traffic.tables import sql_params
from tests.support.traffic_reference import COLUMNS, PARTITION_COLUMNS
from tests.support.traffic_sql import DAY, SQL_DIR, Traffic, at, hour_key, lane, render, statements


@pytest.fixture
def traffic(local_aws) -> Traffic:
    return Traffic(local_aws)


def by_time(rows: list[dict], uid: int) -> dict[int, dict]:
    return {r["recordtimestamp"]: r for r in rows if r["uniqueid"] == uid}


def test_statements_render_to_one_statement_each():
    params = {
        "raw_database": "raw_db",
        "raw_bucket": "raw-bucket",
        "raw_prefix": "traffic/",
        "lines_table": "traffic_lines",
        "lake_database": "lake_db",
        "processed_table": "traffic_processed",
        "attempts_table": "traffic_processed_attempts",
        "rejects_table": "traffic_rejects",
        "rejects_attempts_table": "traffic_rejects_attempts",
        "lake_bucket": "lake-bucket",
        "date": "2021-01-01",
    }
    etl = statements(params)
    assert [s.name for s in etl] == [
        "create_lines_table",
        "create_traffic_processed",
        "create_traffic_processed_attempts",
        "create_traffic_rejects",
        "create_traffic_rejects_attempts",
        "add_line_partitions",
        "insert_day",
        "insert_rejects",
    ]
    rendered = {s.name: s.render(params, "abc-2") for s in etl}
    rendered["check_query"] = render(SQL_DIR / "checks" / "attempt_problems.sql", params, "abc-2")
    assert "LOCATION 's3://lake-bucket/traffic/traffic_processed/'" in rendered["create_traffic_processed"]
    attempts_ddl = rendered["create_traffic_processed_attempts"]
    assert (
        "`lake_db`.`traffic_processed_attempts`" in attempts_ddl and "`day` string, `attempt` string)" in attempts_ddl
    )
    assert "LOCATION 's3://lake-bucket/traffic/traffic_processed_attempts/'" in attempts_ddl
    assert "`day` string)" in rendered["create_traffic_rejects"] and "attempt" not in rendered["create_traffic_rejects"]
    assert "LOCATION 's3://raw-bucket/traffic/'" in rendered["create_lines_table"]
    insert = rendered["insert_day"]
    assert 'INSERT INTO "lake_db"."traffic_processed_attempts"' in insert and "'abc-2' AS attempt" in insert
    assert 'INSERT INTO "lake_db"."traffic_rejects_attempts"' in rendered["insert_rejects"]
    assert "AND attempt = 'abc-2'" in rendered["check_query"]
    # The day before and after cross a year boundary: the arrival hours read are D-1 23h, D, D+1 00..06h.
    assert "partition_0 = '2020' AND partition_1 = '12' AND partition_2 = '31'\n    AND partition_3 = '23'" in insert
    assert "partition_0 = '2021' AND partition_1 = '01' AND partition_2 = '01'\n" in insert
    assert "partition_0 = '2021' AND partition_1 = '01' AND partition_2 = '02'\n    AND partition_3 <= '06'" in insert
    # ... and exactly those 32 hours are registered, at their Firehose folders.
    added = rendered["add_line_partitions"]
    assert added.count("PARTITION (") == 32
    assert "partition_3 = '23') LOCATION 's3://raw-bucket/traffic/2020/12/31/23/'" in added
    assert "partition_3 = '06') LOCATION 's3://raw-bucket/traffic/2021/01/02/06/'" in added
    assert "2021/01/02/07/" not in added and "2020/12/31/22/" not in added
    assert [task for task, sql in rendered.items() if ";" in sql.replace("';'", "")] == []  # one statement each


def test_these_are_the_statements_traffic_batch_runs(dagbag):
    dag = dagbag.get_dag("traffic_batch")
    etl = statements(sql_params(SETTINGS))
    ddl, day = [s for s in etl if s.ddl], [s for s in etl if not s.ddl]
    # create_tables runs the DDL statements in this order, each with its own params
    assert dag.get_task("create_tables").ddl == [(str(s.path.relative_to(SQL_DIR.parent)), s.own) for s in ddl]
    athena = {t.task_id for t in dag.tasks if isinstance(t, AthenaOperator)}
    assert athena - {"check_query"} == {s.name for s in day}
    for statement in day:
        task = dag.get_task(statement.name)
        assert task.query == statement.path.read_text()  # the DAG reads its .sql file when it is parsed
        assert {key: task.params[key] for key in statement.own} == statement.own


def test_formulas_on_one_minute_multi_lane_null_speeds_defects_invalid_and_duplicates(traffic):
    t0 = at(8, 0)
    minute0 = [
        # lane speed = mean of the class 2..5 speeds with a count: (80 + 70) / 2 = 75; class 1 ignored
        lane(1, 11, t0, counts=(1, 2, 1, 0, 0), speeds=(100, 80, 70, 0, 0), occ=10),
        # (90 + 60 + 66) / 3 = 72
        lane(1, 12, t0, counts=(0, 3, 0, 1, 1), speeds=(0, 90, 0, 60, 66), occ=15),
        # only a motorbike: NULL lane speed, but its occupancy and counts still count
        lane(1, 13, t0, counts=(2, 0, 0, 0, 0), speeds=(110, 0, 0, 0, 0), occ=4),
        # defect and invalid occupancy: dropped entirely
        lane(1, 14, t0, counts=(9, 9, 9, 9, 9), speeds=(252, 252, 252, 252, 252), occ=50, defect=1),
        lane(1, 15, t0, counts=(0, 5, 0, 0, 0), speeds=(0, 10, 0, 0, 0), occ=-1),
    ]
    minute1 = [
        # no class 2..5 vehicle on any lane: currentspeed NULL; occupancy (10 + 15) / 2 = 12.5 rounds to 13
        lane(1, 11, t0 + 60, counts=(1, 0, 0, 0, 0), speeds=(90, 0, 0, 0, 0), occ=10),
        lane(1, 12, t0 + 60, counts=(0, 0, 0, 0, 0), speeds=(0, 0, 0, 0, 0), occ=15),
    ]
    # Detector 2: its only minute has no speed at all, so both windows are empty.
    lonely = [lane(2, 11, t0, counts=(0, 0, 0, 0, 0), speeds=(0, 0, 0, 0, 0), occ=0)]
    traffic.deliver(hour_key(0, 8), minute0 + minute1 + lonely)
    # Firehose redelivers lane 11 of the first minute twice: once in the same hour, once an hour later.
    traffic.deliver(hour_key(0, 8), [minute0[0]])
    traffic.deliver(hour_key(0, 9), [minute0[0], minute0[1]])

    traffic.run_etl()
    rows = traffic.processed()

    assert [list(r) for r in rows[:1]] == [[*COLUMNS, *PARTITION_COLUMNS]]
    assert [(r["uniqueid"], r["recordtimestamp"]) for r in rows] == [(1, t0), (1, t0 + 60), (2, t0)]
    assert rows[0] == {
        "uniqueid": 1,
        "recordtimestamp": t0,
        "currentspeed": 73.5,
        "bezettingsgraad": 10,  # (10 + 15 + 4) / 3 = 9.67
        "previousspeed": None,
        "trafficjamindicator": 0,
        "trafficintensityclass2": 5,
        "trafficintensityclass3": 1,
        "trafficintensityclass4": 1,
        "trafficintensityclass5": 1,
        "speeddiffindicator": 0,
        "avgspeed2minutes": 73.5,
        "avgspeed10minutes": 73.5,
        "year": "2020",
        "month": "07",
        "day": "14",
    }
    assert rows[1] == rows[0] | {
        "recordtimestamp": t0 + 60,
        "currentspeed": None,
        "bezettingsgraad": 13,
        "previousspeed": 73.5,
        "trafficintensityclass2": 0,
        "trafficintensityclass3": 0,
        "trafficintensityclass4": 0,
        "trafficintensityclass5": 0,
    }
    assert rows[2] == rows[0] | {
        "uniqueid": 2,
        "currentspeed": None,
        "bezettingsgraad": 0,
        "trafficjamindicator": -1,
        "trafficintensityclass2": 0,
        "trafficintensityclass3": 0,
        "trafficintensityclass4": 0,
        "trafficintensityclass5": 0,
        "avgspeed2minutes": None,
        "avgspeed10minutes": None,
    }


def test_speed_difference_and_jam_thresholds_are_inclusive(traffic):
    t0 = at(12, 0)
    diff_speeds = [60, 80, 61, 41, 60, 81, 30]  # differences +20, -19, -20, +19, +21, -51
    jam_speeds = [40, 41, 39, 50]  # 2-minute means 40, 40.5, 40, 43.33
    records = [lane(3, 11, t0 + 60 * i, speeds=(0, s, 0, 0, 0)) for i, s in enumerate(diff_speeds)]
    records += [lane(4, 11, t0 + 60 * i, speeds=(0, s, 0, 0, 0)) for i, s in enumerate(jam_speeds)]
    traffic.deliver(hour_key(0, 12), records)

    traffic.run_etl()
    rows = traffic.processed()

    diff = [r for r in rows if r["uniqueid"] == 3]
    assert [r["previousspeed"] for r in diff] == [None, 60.0, 80.0, 61.0, 41.0, 60.0, 81.0]
    assert [r["speeddiffindicator"] for r in diff] == [0, 1, 0, -1, 0, 1, -1]
    assert [r["avgspeed2minutes"] for r in diff] == pytest.approx([60, 70, 67, 182 / 3, 54, 182 / 3, 57])
    assert [r["trafficjamindicator"] for r in diff] == [0, 0, 0, 0, 0, 0, 0]
    jam = [r for r in rows if r["uniqueid"] == 4]
    assert [r["avgspeed2minutes"] for r in jam] == pytest.approx([40, 40.5, 40, 130 / 3])
    assert [r["trafficjamindicator"] for r in jam] == [1, 0, 1, 0]
    assert [r["avgspeed10minutes"] for r in jam] == pytest.approx([40, 40.5, 40, 42.5])


def test_windows_cross_midnight_and_skip_missing_minutes(traffic):
    # Detector 5 from D-1 23:49 to D 00:12, with minutes missing; speeds fall by 10 a record.
    speeds = {
        at(23, 49, -1): 10,  # 11 minutes before D: outside every window, never read
        at(23, 50, -1): 100,
        at(23, 55, -1): 90,
        at(23, 59, -1): 80,
        at(0, 0): 70,
        at(0, 1): 60,
        at(0, 3): 50,  # 00:02 missing
        at(0, 9): 40,  # 00:04..00:08 missing
        at(0, 12): 30,
    }
    record = {ts: lane(5, 11, ts, speeds=(0, s, 0, 0, 0)) for ts, s in speeds.items()}
    traffic.deliver(hour_key(-1, 23), [record[at(23, 49, -1)], record[at(23, 50, -1)], record[at(23, 59, -1)]])
    traffic.deliver(hour_key(0, 0), [record[at(23, 55, -1)], record[at(0, 0)], record[at(0, 1)], record[at(0, 3)]])
    traffic.deliver(hour_key(0, 0), [record[at(0, 9)]])
    traffic.deliver(hour_key(1, 3), [record[at(0, 12)]])  # arrives 3 h after D ended: still read

    traffic.run_etl()
    rows = by_time(traffic.processed(), 5)

    assert sorted(rows) == [at(0, 0), at(0, 1), at(0, 3), at(0, 9), at(0, 12)]
    expected = {
        # ts: (previousspeed, avg2 over [t-120, t], avg10 over [t-600, t], jam, speeddiff)
        at(0, 0): (80.0, 75.0, 85.0, 0, 0),  # 23:58..00:00 -> 80, 70; 23:50..00:00 -> 100, 90, 80, 70
        at(0, 1): (70.0, 70.0, 75.0, 0, 0),  # 23:59..00:01 -> 80, 70, 60; 23:51.. -> 90, 80, 70, 60
        at(0, 3): (60.0, 55.0, 70.0, 0, 0),  # 00:01..00:03 -> 60, 50; 23:53.. -> 90..50
        at(0, 9): (50.0, 40.0, 60.0, 1, 0),  # 00:07..00:09 -> 40; 23:59.. -> 80, 70, 60, 50, 40
        at(0, 12): (40.0, 30.0, 40.0, 1, 0),  # 00:10..00:12 -> 30; 00:02.. -> 50, 40, 30
    }
    got = {
        ts: (
            r["previousspeed"],
            r["avgspeed2minutes"],
            r["avgspeed10minutes"],
            r["trafficjamindicator"],
            r["speeddiffindicator"],
        )
        for ts, r in rows.items()
    }
    assert got == expected


def test_only_the_arrival_hours_of_day_d_and_its_late_window_are_read(traffic):
    read, skipped = 0, 0
    # Events of D in every arrival hour a run reads.
    read += traffic.deliver(hour_key(0, 10), [lane(6, 11, at(10, 0), speeds=(0, 50, 0, 0, 0))])
    read += traffic.deliver(hour_key(1, 0), [lane(6, 11, at(23, 59), speeds=(0, 60, 0, 0, 0))])
    read += traffic.deliver(hour_key(1, 6), [lane(6, 11, at(18, 0), speeds=(0, 70, 0, 0, 0))])  # 12 h late
    # D+1 events in D+1's early hours: read, but not D's rows.
    read += traffic.deliver(hour_key(1, 1), [lane(6, 11, at(0, 0, 1), speeds=(0, 80, 0, 0, 0))])
    # D-1 events in D-1 23h and D: read for the lookback only, older ones ignored.
    read += traffic.deliver(hour_key(-1, 23), [lane(6, 11, at(22, 0, -1), speeds=(0, 90, 0, 0, 0))])
    read += traffic.deliver(hour_key(0, 2), [lane(6, 11, at(21, 0, -1), speeds=(0, 91, 0, 0, 0))])
    # Arrival hours a run for D never reads, whatever their records say.
    skipped += traffic.deliver(hour_key(-1, 22), [lane(6, 11, at(23, 58, -1), speeds=(0, 20, 0, 0, 0))])
    skipped += traffic.deliver(hour_key(1, 7), [lane(6, 11, at(23, 0), speeds=(0, 20, 0, 0, 0))])
    skipped += traffic.deliver(hour_key(2, 0), [lane(6, 11, at(12, 0), speeds=(0, 20, 0, 0, 0))])

    insert = traffic.run_etl()["insert_day"]
    rows = by_time(traffic.processed(), 6)

    assert insert["Statistics"]["DataScannedInBytes"] == read
    assert sorted(rows) == [at(10, 0), at(18, 0), at(23, 59)]
    assert [rows[t]["currentspeed"] for t in sorted(rows)] == [50.0, 70.0, 60.0]
    assert rows[at(10, 0)]["previousspeed"] is None
    assert skipped > 0


def test_rerun_replaces_the_day_and_picks_up_records_that_arrived_since(traffic, tmp_path):
    t0 = at(15, 0)
    traffic.deliver(
        hour_key(0, 15), [lane(7, 11, t0, speeds=(0, 50, 0, 0, 0)), lane(7, 12, t0, speeds=(0, 70, 0, 0, 0))]
    )
    traffic.deliver(hour_key(0, 22), [lane(7, 11, at(22, 0), speeds=(0, 30, 0, 0, 0))])
    # The next day already processed: a rerun of D must leave it alone.
    traffic.deliver(hour_key(1, 9), [lane(7, 11, at(9, 0, 1), speeds=(0, 100, 0, 0, 0))])
    traffic.run_etl(date(2020, 7, 15))
    traffic.run, traffic.tries = f"{traffic.uid}d14", 0  # each day is another DAG run
    traffic.run_etl()
    first = traffic.processed()

    traffic.run_etl()
    assert traffic.processed() == first
    assert [(r["recordtimestamp"], r["currentspeed"]) for r in first] == [(t0, 60.0), (at(22, 0), 30.0)]

    # A lane of 15:00 arrives five hours after midnight, after D was processed.
    traffic.deliver(hour_key(1, 5), [lane(7, 13, t0, speeds=(0, 90, 0, 0, 0), counts=(0, 2, 0, 0, 0))])
    traffic.run_etl()
    rerun = traffic.processed()
    assert [(r["recordtimestamp"], r["currentspeed"], r["trafficintensityclass2"]) for r in rerun] == [
        (t0, 70.0, 4),
        (at(22, 0), 30.0, 1),
    ]
    glue = traffic.aws.client("glue")
    partitions = glue.get_partitions(DatabaseName=SETTINGS.lake_database, TableName=traffic.processed_table)
    assert sorted(p["Values"] for p in partitions["Partitions"]) == [["2020", "07", "14"], ["2020", "07", "15"]]
    assert [r["currentspeed"] for r in traffic.processed(date(2020, 7, 15))] == [100.0]
    s3 = traffic.aws.client("s3")
    prefix = f"traffic/{traffic.attempts_table}/year=2020/month=07/day=14/"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=SETTINGS.lake_bucket, Prefix=prefix)["Contents"]]
    # The earlier tries' files are gone; the day is the last try's attempt, published.
    assert len(keys) == 1 and keys[0].startswith(f"{prefix}attempt={traffic.attempt}/")
    published = glue.get_partition(
        DatabaseName=SETTINGS.lake_database, TableName=traffic.processed_table, PartitionValues=["2020", "07", "14"]
    )["Partition"]["StorageDescriptor"]["Location"]
    assert published.rstrip("/") == f"s3://{SETTINGS.lake_bucket}/{prefix}attempt={traffic.attempt}"
    parquet = tmp_path / "part.parquet"
    parquet.write_bytes(s3.get_object(Bucket=SETTINGS.lake_bucket, Key=keys[0])["Body"].read())
    codecs = duckdb.sql(f"SELECT DISTINCT compression FROM parquet_metadata('{parquet}')").fetchall()
    assert codecs == [("SNAPPY",)]
    assert duckdb.sql(f"SELECT * FROM read_parquet('{parquet}')").columns == list(COLUMNS)


def test_check_query_counts_duplicates_and_out_of_domain_indicators(traffic):
    t0 = at(6, 0)
    traffic.deliver(hour_key(0, 6), [lane(8, 11, t0 + 60 * i, speeds=(0, 30 + 20 * i, 0, 0, 0)) for i in range(3)])
    traffic.run_etl()
    check_file = SQL_DIR / "checks" / "attempt_problems.sql"
    check = render(check_file, traffic.params(), traffic.attempt)
    assert traffic.select(check) == [
        {
            "row_count": 3,
            "duplicated_keys": 0,
            "invalid_rows": 0,
            "rejected_records": 0,
            "rejected_by_reason": None,
            "records_read": 3,
        }
    ]

    # What a broken ETL could leave: a second copy of a row, an unknown indicator, a jam without speeds.
    table = f'"{SETTINGS.lake_database}"."{traffic.attempts_table}"'
    a = traffic.attempt
    traffic.query(
        f"INSERT INTO {table} SELECT * FROM (VALUES "
        f"(8, {t0}, 30.0, 5, NULL, 1, 1, 0, 0, 0, 0, 30.0, 30.0, '2020', '07', '14', '{a}'), "
        f"(8, {t0 + 600}, 30.0, 5, NULL, 2, 1, 0, 0, 0, 0, 30.0, 30.0, '2020', '07', '14', '{a}'), "
        f"(8, {t0 + 660}, NULL, 5, NULL, 1, 1, 0, 0, 0, 0, NULL, NULL, '2020', '07', '14', '{a}'), "
        f"(8, {t0 - 86_400}, 30.0, 5, NULL, 1, 1, 0, 0, 0, 0, 30.0, 30.0, '2020', '07', '14', '{a}'))"
    )
    assert traffic.select(check) == [
        {
            "row_count": 7,
            "duplicated_keys": 1,
            "invalid_rows": 3,
            "rejected_records": 0,
            "rejected_by_reason": None,
            "records_read": 3,
        }
    ]
    # Another attempt, and another day, are not this attempt's problem.
    assert traffic.select(render(check_file, traffic.params(), f"{traffic.run}-9")) == [
        {
            "row_count": 0,
            "duplicated_keys": 0,
            "invalid_rows": 0,
            "rejected_records": 0,
            "rejected_by_reason": None,
            "records_read": 3,
        }
    ]
    other = render(check_file, traffic.params(date(2020, 7, 13)), traffic.attempt)
    assert traffic.select(other) == [
        {
            "row_count": 0,
            "duplicated_keys": 0,
            "invalid_rows": 0,
            "rejected_records": 0,
            "rejected_by_reason": None,
            "records_read": 0,
        }
    ]


def test_a_retried_insert_whose_killed_try_finished_anyway_publishes_the_day_once(traffic):
    """A worker killed after submitting its INSERT: Athena finishes the query, Airflow retries it."""
    t0 = at(10, 0)
    traffic.deliver(hour_key(0, 10), [lane(3, 1, t0), lane(3, 1, t0 + 60)])
    traffic.run_etl()
    published_before = traffic.processed()
    # Try 1 of a new run: its query completes, but its worker is gone before anything else runs.
    first_try = f"{traffic.run}-{traffic.tries + 1}"
    for statement in statements(traffic.params()):
        traffic.query(statement.render(traffic.params(), first_try))
    assert traffic.processed() == published_before  # nothing published by the lost try
    traffic.tries += 1
    traffic.run_etl()  # try 2: a new attempt, found as the run's latest, checked, published

    assert traffic.processed() == published_before
    attempts = traffic.aws.client("glue").get_partitions(
        DatabaseName=SETTINGS.lake_database, TableName=traffic.attempts_table
    )["Partitions"]
    assert [p["Values"][3] for p in attempts] == [traffic.attempt]  # try 1 and the older run's: removed


def test_a_failing_insert_leaves_the_published_day_as_it_was(traffic):
    t0 = at(11, 0)
    traffic.deliver(hour_key(0, 11), [lane(4, 1, t0), lane(4, 2, t0)])
    traffic.run_etl()
    published = traffic.processed()
    assert len(published) == 1  # two lanes, one detector minute
    traffic.deliver(hour_key(0, 12), [lane(4, 1, at(12, 0))])
    # The lines table disappears (dropped by hand, say) after it was created: the INSERT fails.
    etl = statements(traffic.params())
    insert = next(s for s in etl if s.name == "insert_day")
    for statement in etl[: etl.index(insert)]:
        traffic.query(statement.render(traffic.params(), f"{traffic.run}-50"))
    glue = traffic.aws.client("glue")
    glue.delete_table(DatabaseName=SETTINGS.raw_database, Name=traffic.params()["lines_table"])
    with pytest.raises(AssertionError, match="TABLE_NOT_FOUND"):
        traffic.query(insert.render(traffic.params(), f"{traffic.run}-50"))
    assert traffic.processed() == published


# Raw lines that cannot be read as the spec's record, each with the reason the quarantine gives.
HOSTILE = [
    ('{"unieke_id": 7, "lve_nr": 1, "tijd_waar', "malformed JSON"),
    ("not json at all", "malformed JSON"),
    ("[1, 2, 3]", "unieke_id is missing or null"),
    ("{}", "unieke_id is missing or null"),
    (json.dumps({k: v for k, v in lane(7, 2, at(9, 0)).items() if k != "defect"}), "defect is missing or null"),
    (json.dumps(lane(7, 3, at(9, 0)) | {"defect": None}), "defect is missing or null"),
    (json.dumps(lane(7, 4, at(9, 0)) | {"lve_nr": "one"}), "lve_nr is not an int: one"),
    (
        json.dumps(lane(7, 5, at(9, 0)) | {"verkeersintensiteit_klasse2": 1.5}),
        "verkeersintensiteit_klasse2 is not an int: 1.5",
    ),
    (
        json.dumps(lane(7, 6, at(9, 0)) | {"rekendata_bezettingsgraad": True}),
        "rekendata_bezettingsgraad is not an int: true",
    ),
    (json.dumps(lane(7, 7, at(9, 0)) | {"unieke_id": 2**31}), f"unieke_id is not an int: {2**31}"),
    (json.dumps(lane(7, 8, at(9, 0)) | {"tijd_waarneming": {"t": 1}}), "tijd_waarneming is missing or null"),
]


def test_bad_records_are_quarantined_with_their_reason_and_the_day_is_made_of_the_good_ones(traffic):
    good = [lane(7, 1, at(9, 0), speeds=(0, 60, 0, 0, 0)), lane(7, 1, at(9, 1), speeds=(0, 80, 0, 0, 0))]
    # A good record given as a JSON string of an integer is the same record.
    quoted = json.dumps(lane(7, 9, at(9, 1), speeds=(0, 100, 0, 0, 0)) | {"unieke_id": "7"})
    traffic.deliver(hour_key(0, 9), [good[0], *[line for line, _ in HOSTILE], "", good[1], quoted])
    # Bad lines in the neighbouring days' arrival hours are read by D but belong to their own day.
    traffic.deliver(hour_key(-1, 23), ["{bad line of D-1"])
    traffic.deliver(hour_key(1, 2), ["{bad line of D+1"])

    traffic.run_etl()

    rows = traffic.processed()
    assert [(r["recordtimestamp"], r["currentspeed"], r["previousspeed"]) for r in rows] == [
        (at(9, 0), 60.0, None),
        (at(9, 1), 90.0, 60.0),  # lanes 1 and 9: (80 + 100) / 2
    ]
    assert traffic.rejects() == sorted(("2020071409", reason, line) for line, reason in HOSTILE)
    assert traffic.rejects(DAY.replace(day=13)) == [] and traffic.rejects(DAY.replace(day=15)) == []
    check = render(SQL_DIR / "checks" / "attempt_problems.sql", traffic.params(), traffic.attempt)
    figures = traffic.select(check)[0]
    assert figures["rejected_records"] == len(HOSTILE)
    # The ledger's counts: D's own non-blank lines, the rejects by the kind of their reason.
    assert figures["records_read"] == 2 + len(HOSTILE) + 1
    kinds = Counter(reason.split(":")[0] for _, reason in HOSTILE)
    assert figures["rejected_by_reason"] == "|".join(f"{kind}={n}" for kind, n in sorted(kinds.items()))


def test_a_day_rerun_after_its_raw_data_was_repaired_has_an_empty_quarantine(traffic):
    traffic.deliver(hour_key(0, 9), [lane(7, 1, at(9, 0))])
    traffic.deliver(hour_key(0, 10), ["{truncated"])
    traffic.run_etl()
    assert traffic.rejects() == [("2020071410", "malformed JSON", "{truncated")]
    # The operator replaces the bad object with the good records, and reruns the day.
    s3 = traffic.aws.client("s3")
    bad = s3.list_objects_v2(Bucket=SETTINGS.raw_bucket, Prefix=f"{traffic.raw_prefix}2020/07/14/10/")["Contents"]
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key=bad[0]["Key"], Body=json.dumps(lane(7, 1, at(10, 0))) + "\n")
    traffic.run, traffic.tries = "rerun", 0  # another run of the same tables

    traffic.run_etl()

    assert traffic.rejects() == []
    assert [r["recordtimestamp"] for r in traffic.processed()] == [at(9, 0), at(10, 0)]

"""Vehicle API end to end with dag.test(): download day D through the Lambda into S3, then
process it with Athena; every table is checked against a computation over the API's data."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from statistics import mean

import pendulum
import pytest
from airflow.utils.state import DagRunState

from deploy.vehicle_api_lambda import deploy_downloader
from local.sources.vehicle_api import ApiConfig, Fault, SampleVehicleApi, Volume
from pipelines.settings import SETTINGS
from pipelines.vehicle_api.download import pages_per_invocation
from tests.support.athena import athena_rows
from tests.support.failure_events import drain_failure_events, events_of
from tests.support.ledger import ledger_rows, rejected_by_reason, scanned_by_run

pytestmark = pytest.mark.pipeline

DAY = "2026-02-10"
FAILING_DAY = "2026-02-20"
BAD_RECORD_DAY = "2026-02-25"
KILLED_DAY = "2026-02-27"
BATCH_DIES_DAY = "2026-02-28"
VOLUME = Volume(vehicles_per_day=(25, 35), readings_per_vehicle=(6, 14))
# Transient trouble the pipeline must absorb: a 503 on one page, tokens revoked every 7 requests,
# and a page that never works on FAILING_DAY.
FAULTS = (
    Fault("error", endpoint="sensor-data", page=2, date=DAY, status=503, times=1),
    Fault("error", endpoint="sensor-data", page=3, date=FAILING_DAY, status=500),
    Fault("malformed", endpoint="sensor-data", page=2, date=BAD_RECORD_DAY, mode="bad_record"),
    # Five 500s: the Lambda's client gives up on page 3 and its batch dies after writing page 2.
    Fault("error", endpoint="sensor-data", page=3, date=BATCH_DIES_DAY, status=500, times=5),
)


@pytest.fixture(scope="module")
def api(local_aws):
    with SampleVehicleApi(ApiConfig(volume=VOLUME, faults=FAULTS, revoke_tokens_every=7)) as server:
        credentials = {"base_url": server.url, "client_id": "local-client", "client_secret": "local-secret"}
        deploy_downloader(local_aws.client, SETTINGS, credentials)
        yield server


def run(dagbag, dag_id: str, conf: dict):
    dag = dagbag.get_dag(dag_id)
    return dag.test(logical_date=pendulum.now("UTC"), run_conf=conf)


def raw_objects(local_aws, endpoint: str, day: str) -> dict[str, list[dict]]:
    s3 = local_aws.client("s3")
    prefix = f"vehicle_api/{endpoint}/creation_date={day}/"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=SETTINGS.raw_bucket, Prefix=prefix).get("Contents", [])]
    return {
        key: [json.loads(line) for line in s3.get_object(Bucket=SETTINGS.raw_bucket, Key=key)["Body"].iter_lines()]
        for key in sorted(keys)
    }


def asset_events(day: str) -> dict[str, dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(select(AssetModel.name, AssetEvent.extra).join(AssetEvent.asset)).all()
    return {name: extra for name, extra in rows if extra.get("date") == day}


@pytest.fixture(scope="module")
def downloaded(api, local_aws, dagbag):
    return run(dagbag, "vehicle_api_download", {"date": DAY})


def test_download_writes_every_page_of_both_endpoints_and_publishes_the_day(downloaded, api, local_aws):
    assert downloaded.state == DagRunState.SUCCESS
    for endpoint in ("vehicles", "sensor-data"):
        expected = api.expected_records(endpoint, DAY)
        objects = raw_objects(local_aws, endpoint, DAY)
        pages = -(-len(expected) // SETTINGS.vehicle_api_page_size)
        assert list(objects) == [
            f"vehicle_api/{endpoint}/creation_date={DAY}/page-{page:05d}.jsonl" for page in range(1, pages + 1)
        ]
        assert [record for lines in objects.values() for record in lines] == expected
    events = asset_events(DAY)
    assert events["vehicle_api_raw_vehicles"]["records"] == len(api.expected_records("vehicles", DAY))
    assert events["vehicle_api_raw_sensor_data"] == {
        "endpoint": "sensor-data",
        "date": DAY,
        "records": len(api.expected_records("sensor-data", DAY)),
        "rejected": 0,
        "rejected_by_reason": {},
        "pages": -(-len(api.expected_records("sensor-data", DAY)) // SETTINGS.vehicle_api_page_size),
    }


def test_the_download_s_ledger_rows_count_the_records_per_raw_table_and_the_lambda_s_billed_time(
    downloaded, api, local_aws
):
    run_row, *table_rows = ledger_rows(local_aws, "vehicle_api_download", downloaded.run_id)
    records = {endpoint: len(api.expected_records(endpoint, DAY)) for endpoint in ("vehicles", "sensor-data")}
    assert (run_row["state"], run_row["target"], run_row["rows_read"], run_row["rows_rejected"]) == (
        "success", DAY, sum(records.values()), 0,
    )  # fmt: skip
    assert {t["table_name"]: t["rows_published"] for t in table_rows} == {
        "vehicle_api_vehicles": records["vehicles"], "vehicle_api_sensor_data": records["sensor-data"],
    }  # fmt: skip
    # a first page, or a batch of the others (an endpoint of one page maps none: its map index stays -1)
    invocations = [
        ti for ti in downloaded.get_task_instances()
        if ti.task_id.endswith("first_page") or (ti.task_id.endswith("download_pages") and ti.map_index >= 0)
    ]  # fmt: skip
    assert run_row["lambda_invocations"] == len(invocations) and run_row["lambda_billed_ms"] > 0
    assert run_row["athena_queries"] == 1  # the ledger's own look at the trailing volumes
    assert run_row["cost_usd"] > 0


def test_the_endpoints_publish_one_after_the_other_so_processing_never_misses_a_day(dagbag):
    """Two events of one day within milliseconds can leave Airflow 3.3.1 with two pending
    processing runs of that day, neither ever run (apache/airflow#71070; seen in make bench)."""
    download = dagbag.dags["vehicle_api_download"]
    assert "vehicles.publish" in download.task_dict["sensor_data.publish"].upstream_task_ids


def test_downloads_fan_out_in_batches_an_invocation_finishes_in_time(downloaded, api):
    mapped = [ti for ti in downloaded.get_task_instances() if ti.task_id == "sensor_data.download_pages"]
    pages = -(-len(api.expected_records("sensor-data", DAY)) // SETTINGS.vehicle_api_page_size)
    assert len(mapped) == -(-pages // pages_per_invocation(SETTINGS)) > 1  # 3 pages to an invocation
    assert {ti.state for ti in mapped} == {"success"}


def test_a_page_that_keeps_failing_fails_the_day_names_it_and_publishes_nothing(api, dagbag, local_aws, capsys):
    result = run(dagbag, "vehicle_api_download", {"date": FAILING_DAY})

    states = {ti.task_id: ti.state for ti in result.get_task_instances() if ti.map_index <= 0}
    assert result.state == DagRunState.FAILED
    assert states["sensor_data.check_complete"] == "failed"
    checked = result.get_task_instance("sensor_data.check_complete")
    assert checked.try_number == 1  # deterministic: failed at once, not retried
    assert states["vehicles.publish"] == "success"
    assert states["sensor_data.publish"] == "upstream_failed"
    assert "vehicle_api_raw_sensor_data" not in asset_events(FAILING_DAY)
    [event] = events_of(drain_failure_events(local_aws), result.run_id)
    assert (event["source"], event["detail-type"]) == ("pipelines.vehicle_api", "Vehicle API download failed")
    assert event["detail"]["target_day"] == FAILING_DAY
    # The batch of pages 2-3 failed its tries, then the check named what is missing.
    assert event["detail"]["failed_tasks"] == ["sensor_data.check_complete", "sensor_data.download_pages_0"]
    assert "page 3 failed" in event["detail"]["error"]
    assert "2 of 7 pages missing" in event["detail"]["error"]
    log = capsys.readouterr()
    assert f"sensor-data {FAILING_DAY} page 3 failed" in log.out + log.err
    # Page 3 fails its whole batch (pages 2-3 of 7 at 3 mapped tasks): neither is confirmed, and
    # the check says that page 2 is in S3 all the same.
    assert (
        f"sensor-data {FAILING_DAY}: 2 of 7 pages missing: 2-3; 1 not in S3: 3; "
        "1 written by a download that then failed: 2"
    ) in log.out + log.err


def test_a_batch_that_dies_midway_is_retried_and_the_day_holds_every_record_once(api, dagbag, local_aws):
    result = run(dagbag, "vehicle_api_download", {"date": BATCH_DIES_DAY})

    assert result.state == DagRunState.SUCCESS
    batches = [ti for ti in result.get_task_instances() if ti.task_id == "sensor_data.download_pages"]
    assert sorted(ti.try_number for ti in batches) == [1, 1, 2]  # the batch of pages 2-3 ran twice
    records = api.expected_records("sensor-data", BATCH_DIES_DAY)
    written = [r for lines in raw_objects(local_aws, "sensor-data", BATCH_DIES_DAY).values() for r in lines]
    assert written == records  # page 2, written by both tries, is there once
    assert asset_events(BATCH_DIES_DAY)["vehicle_api_raw_sensor_data"]["records"] == len(records)


def test_processing_refuses_a_day_whose_download_is_incomplete_naming_it(api, dagbag, local_aws, capsys):
    """Vehicles of FAILING_DAY were published, its sensor data was not: no completion manifest."""
    run(dagbag, "vehicle_api_download", {"date": FAILING_DAY})
    s3 = local_aws.client("s3")
    assert s3.list_objects_v2(
        Bucket=SETTINGS.raw_bucket, Prefix=f"vehicle_api/sensor-data/creation_date={FAILING_DAY}/"
    )["KeyCount"]  # the partial pages are there ...
    manifests = s3.list_objects_v2(Bucket=SETTINGS.raw_bucket, Prefix="vehicle_api/_manifests/")
    names = {o["Key"] for o in manifests.get("Contents", [])}
    assert f"vehicle_api/_manifests/vehicles/creation_date={FAILING_DAY}.json" in names
    assert f"vehicle_api/_manifests/sensor-data/creation_date={FAILING_DAY}.json" not in names  # ... not visible

    result = run(dagbag, "vehicle_api_processing", {"dates": [FAILING_DAY]})

    states = {ti.task_id: ti.state for ti in result.get_task_instances() if ti.map_index <= 0}
    assert result.state == DagRunState.FAILED
    assert states["resolve_dates"] == "failed"
    log = capsys.readouterr()
    assert f"not completely downloaded (no completion manifest): {FAILING_DAY} (sensor-data)" in log.out + log.err
    reporting = {"record_run", "describe_failure", "publish_failure_event"}
    assert {state for task, state in states.items() if task not in {"resolve_dates", *reporting}} == {"upstream_failed"}
    assert {states[task] for task in reporting} == {"success"}
    [event] = events_of(drain_failure_events(local_aws), result.run_id)
    assert (event["source"], event["detail-type"]) == ("pipelines.vehicle_api", "Vehicle API processing failed")
    assert event["detail"]["failed_tasks"] == ["resolve_dates"]
    assert f"not completely downloaded (no completion manifest): {FAILING_DAY}" in event["detail"]["error"]


def expected_tables(api) -> dict:
    """The processed tables for DAY, computed from the API's own records."""
    vehicles = {v["vehicle_id"]: v for v in api.expected_records("vehicles", DAY)}
    measurements = {(m["vehicle_id"], m["timestamp"]): m for m in api.expected_records("sensor-data", DAY)}
    sensor_rows = sorted(
        (
            vid,
            ts,
            m["sensor_value"],
            datetime.fromtimestamp(ts / 1000, UTC).date().isoformat(),
            vehicles[vid]["vehicle_type"] if vid in vehicles else "unknown",
        )
        for (vid, ts), m in measurements.items()
    )
    series = defaultdict(list)
    for vid, ts, value, day, vtype in sensor_rows:
        if value is not None and day == DAY:
            series[(vtype, vid)].append(ts)
    per_type = defaultdict(list)
    for (vtype, _), stamps in series.items():
        stamps.sort()
        # The seed's arithmetic: whole seconds by truncating division, then the difference.
        gaps = [b // 1000 - a // 1000 for a, b in zip(stamps, stamps[1:], strict=False)]
        if gaps:
            per_type[vtype].append(mean(gaps))
    analysis = {vtype: (pytest.approx(mean(avgs)), len(avgs)) for vtype, avgs in per_type.items()}
    vehicle_rows = sorted((v["vehicle_id"], v["vehicle_name"], v["vehicle_type"]) for v in vehicles.values())
    return {"vehicles": vehicle_rows, "sensor_data": sensor_rows, "analysis": analysis}


def processed_tables(local_aws) -> dict:
    vehicles = athena_rows(local_aws, "SELECT vehicle_id, vehicle_name, vehicle_type FROM vehicles")
    sensor = athena_rows(
        local_aws,
        'SELECT vehicle_id, "timestamp", sensor_value, CAST(days AS varchar) AS days, vehicle_type FROM sensor_data',
    )
    analysis = athena_rows(
        local_aws,
        f"SELECT vehicle_type, average_seconds_between_measurements AS avg, vehicles FROM measurement_intervals "
        f"WHERE processed_date = '{DAY}'",
    )
    return {
        "vehicles": sorted(tuple(r.values()) for r in vehicles),
        "sensor_data": sorted(tuple(r.values()) for r in sensor),
        "analysis": {r["vehicle_type"]: (r["avg"], r["vehicles"]) for r in analysis},
    }


@pytest.fixture(scope="module")
def processed(downloaded, dagbag, local_aws):
    first = run(dagbag, "vehicle_api_processing", {"dates": [DAY]})
    return first, processed_tables(local_aws)


def test_the_sample_day_has_measurements_within_one_second(api):
    """Else the analysis test could not tell whole-second gaps from millisecond ones."""
    stamps = defaultdict(list)
    for m in api.expected_records("sensor-data", DAY):
        if m["sensor_value"] is not None:
            stamps[m["vehicle_id"]].append(m["timestamp"])
    pairs = [(a, b) for series in stamps.values() for a, b in zip(sorted(series), sorted(series)[1:], strict=False)]
    assert sum(1 for a, b in pairs if a // 1000 == b // 1000) >= 5
    assert sum(1 for a, b in pairs if b - a < 1000 and a // 1000 != b // 1000) >= 5


def test_processing_builds_tables_equal_to_an_independent_computation(processed, api):
    run_result, tables = processed
    assert run_result.state == DagRunState.SUCCESS
    expected = expected_tables(api)
    assert tables["vehicles"] == expected["vehicles"]
    assert tables["sensor_data"] == expected["sensor_data"]
    assert tables["analysis"] == expected["analysis"]
    assert len(tables["analysis"]) >= 2


def test_processing_s_ledger_rows_count_the_raw_records_read_and_the_rows_each_table_gained(processed, api, local_aws):
    run_result, tables = processed
    run_row, *table_rows = ledger_rows(local_aws, "vehicle_api_processing", run_result.run_id)
    raw = sum(len(api.expected_records(endpoint, DAY)) for endpoint in ("vehicles", "sensor-data"))
    assert (run_row["state"], run_row["target"], run_row["rows_read"]) == ("success", DAY, raw)
    analysed = sum(n for _, n in tables["analysis"].values()) and len(tables["analysis"])
    assert {t["table_name"]: t["rows_published"] for t in table_rows} == {
        "vehicles": len(tables["vehicles"]), "sensor_data": len(tables["sensor_data"]), "measurement_intervals": analysed,
    }  # fmt: skip
    assert (run_row["athena_queries"], run_row["athena_bytes_scanned"]) == scanned_by_run(local_aws, run_result)


def test_processing_the_same_day_again_changes_nothing(processed, dagbag, local_aws):
    again = run(dagbag, "vehicle_api_processing", {"dates": [DAY]})
    assert again.state == DagRunState.SUCCESS
    tables, first = processed_tables(local_aws), processed[1]
    assert tables["vehicles"] == first["vehicles"]
    assert tables["sensor_data"] == first["sensor_data"]
    # Averages equal to the last bits DuckDB's parallel aggregation may change.
    assert tables["analysis"] == {t: (pytest.approx(avg, rel=1e-12), n) for t, (avg, n) in first["analysis"].items()}


@pytest.mark.parametrize(
    ("dag_id", "conf"),
    [
        ("vehicle_api_processing", {"dates": ["2026-13-01"]}),
        ("vehicle_api_processing", {"dates": "2026-01-01"}),
        ("vehicle_api_processing", {"dates": []}),
        ("vehicle_api_processing", {"dates": ["2026-01-01" + "x" * 100_000]}),
        ("vehicle_api_download", {"date": "2026-02-30"}),
        ("vehicle_api_download", {"date": "01/02/2026"}),
    ],
)
def test_invalid_dates_are_rejected_before_any_task_runs(dagbag, dag_id, conf):
    from airflow.sdk.exceptions import ParamValidationError

    dag = dagbag.get_dag(dag_id)
    with pytest.raises(ParamValidationError):
        dag.test(logical_date=pendulum.now("UTC"), run_conf=conf)


# After the tests that compare whole tables with DAY alone.
def test_an_insert_whose_worker_died_after_submitting_it_is_retried_without_doubling_a_row(
    api, dagbag, local_aws, monkeypatch
):
    """Try 1 of the sensor_data INSERT submits its query and dies; Athena runs the query anyway,
    beside try 2. Before, both inserted the day's new measurements into sensor_data."""
    from airflow.providers.amazon.aws.hooks.athena import AthenaHook
    from airflow.providers.amazon.aws.operators.athena import AthenaOperator

    assert run(dagbag, "vehicle_api_download", {"date": KILLED_DAY}).state == DagRunState.SUCCESS
    original, orphans = AthenaOperator.execute, []

    def execute(self, context):
        if self.task_id == "insert_sensor_data" and context["ti"].try_number == 1:
            hook = AthenaHook(aws_conn_id=self.aws_conn_id)
            orphans.append(
                hook.run_query(
                    self.query,
                    {"Database": self.database},
                    {"OutputLocation": self.output_location},
                    workgroup=self.workgroup,
                )
            )
            raise RuntimeError("worker lost after submitting the INSERT")
        return original(self, context)

    monkeypatch.setattr(AthenaOperator, "execute", execute)
    result = run(dagbag, "vehicle_api_processing", {"dates": [KILLED_DAY]})

    assert result.state == DagRunState.SUCCESS and len(orphans) == 1
    assert result.get_task_instance("insert_sensor_data").try_number == 2
    expected = {(m["vehicle_id"], m["timestamp"]) for m in api.expected_records("sensor-data", KILLED_DAY)}
    rows = athena_rows(local_aws, 'SELECT vehicle_id, "timestamp" FROM sensor_data')
    stored = [(r["vehicle_id"], r["timestamp"]) for r in rows]
    assert sorted(key for key in stored if key in expected) == sorted(expected)  # each exactly once
    assert len(stored) == len(set(stored))
    # The run released its writer lock.
    assert "Contents" not in local_aws.client("s3").list_objects_v2(Bucket=SETTINGS.lake_bucket, Prefix="_locks/")


def test_a_lock_left_by_a_dead_run_is_taken_over_once_its_lease_expired(downloaded, dagbag, local_aws):
    from datetime import timedelta

    from pipelines.writer_lock import try_acquire

    s3 = local_aws.client("s3")
    expired = datetime.now(UTC) - timedelta(minutes=SETTINGS.writer_lock_lease_minutes, seconds=1)
    assert try_acquire(
        s3,
        SETTINGS.lake_bucket,
        "vehicle_api_lake",
        "vehicle_api_processing/dead",
        expired,
        timedelta(minutes=SETTINGS.writer_lock_lease_minutes),
    )[0]

    result = run(dagbag, "vehicle_api_processing", {"dates": [DAY]})

    assert result.state == DagRunState.SUCCESS
    assert result.get_task_instance("release_writer_lock").xcom_pull(task_ids="release_writer_lock") is True
    assert "Contents" not in s3.list_objects_v2(Bucket=SETTINGS.lake_bucket, Prefix="_locks/")


def test_a_bad_record_is_quarantined_and_its_day_published_and_processed_without_it(api, dagbag, local_aws):
    download = run(dagbag, "vehicle_api_download", {"date": BAD_RECORD_DAY})
    assert download.state == DagRunState.SUCCESS
    records = api.expected_records("sensor-data", BAD_RECORD_DAY)
    bad = records[SETTINGS.vehicle_api_page_size]  # the first record of page 2, sent with vehicle_id 12345
    event = asset_events(BAD_RECORD_DAY)["vehicle_api_raw_sensor_data"]
    assert (event["records"], event["rejected"]) == (len(records) - 1, 1)
    raw = [r for lines in raw_objects(local_aws, "sensor-data", BAD_RECORD_DAY).values() for r in lines]
    assert raw == [r for r in records if r is not bad]
    quarantined = raw_objects(local_aws, "_quarantine/sensor-data", BAD_RECORD_DAY)
    assert list(quarantined.values()) == [
        [
            {
                "page": 2,
                "index": 0,
                "reason": "record has vehicle_id=12345 of the wrong type",
                "record": bad | {"vehicle_id": 12345},
            }
        ]
    ]

    run_row = ledger_rows(local_aws, "vehicle_api_download", download.run_id)[0]
    assert (run_row["rows_read"], run_row["rows_published"]) == (
        len(records) + len(api.expected_records("vehicles", BAD_RECORD_DAY)), run_row["rows_read"] - 1,
    )  # fmt: skip
    assert rejected_by_reason(local_aws, run_row) == {"record has vehicle_id of the wrong type": 1}

    processing = run(dagbag, "vehicle_api_processing", {"dates": [BAD_RECORD_DAY]})

    assert processing.state == DagRunState.SUCCESS
    checked = processing.get_task_instance("check_results").xcom_pull(task_ids="check_results")
    assert checked["raw_measurements"] == len(records) - 1

"""docker-compose.yaml's services, each run with exactly the files its container sees (see
compose_runner for what this proves and what only Docker can), run the pipelines that
`make run` runs: the vehicle API download and processing, and the traffic batch."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from local.provision import SAMPLE_TRAFFIC_DETECTORS, SAMPLE_TRAFFIC_SEED
from local.sources import traffic as feed
from local.sources.vehicle_api.data import expected_records
from local.stack import wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import PROCESSED_TABLE
from tests.deploy.compose_runner import ComposeRun
from tests.support.athena import athena_rows
from tests.support.services import cli_json, wait_for_run
from tests.support.traffic_reference import expected_rows, records_of, same

pytestmark = pytest.mark.services
VEHICLE_DAY = "2026-03-05"


@pytest.fixture(scope="module")
def compose(tmp_path_factory):
    run = ComposeRun(tmp_path_factory.mktemp("compose"))
    try:
        run.start()
        run.wait_healthy("api-server")
        yield run
    finally:
        run.stop()


def test_provisioning_created_the_pool_the_lambda_and_sample_traffic(compose):
    pools = {p["pool"]: p for p in cli_json(compose, "pools", "list")}
    assert int(pools[SETTINGS.vehicle_api_pool]["slots"]) == 8
    function = compose.client("lambda").get_function(FunctionName=SETTINGS.vehicle_api_lambda)
    assert function["Configuration"]["Runtime"] == "python3.12"
    listing = compose.client("s3").list_objects_v2(Bucket=SETTINGS.raw_bucket, Prefix="traffic/")
    assert listing["KeyCount"] > 0


def test_vehicle_api_download_and_processing_run_on_the_compose_services(compose):
    for dag_id in ("vehicle_api_processing", "vehicle_api_download"):
        wait_for_dag(compose, dag_id)
    compose.airflow("dags", "unpause", "vehicle_api_processing")
    compose.airflow("dags", "unpause", "vehicle_api_download")
    compose.airflow(
        "dags", "trigger", "vehicle_api_download", "--run-id", "compose_download", "--logical-date", VEHICLE_DAY
    )
    assert wait_for_run(compose, "vehicle_api_download", "compose_download", timeout=600)["state"] == "success"

    expected = len({(r["vehicle_id"], r["timestamp"]) for r in expected_records("sensor-data", VEHICLE_DAY)})
    deadline = datetime.now(UTC) + timedelta(minutes=10)
    while True:
        runs = cli_json(compose, "dags", "list-runs", "vehicle_api_processing")
        done = [r for r in runs if r["state"] in ("success", "failed")]
        if done and all(r["state"] in ("success", "failed") for r in runs):
            count = athena_rows(compose, f"SELECT count(*) AS n FROM sensor_data WHERE days = DATE '{VEHICLE_DAY}'")
            if count[0]["n"] == expected or datetime.now(UTC) > deadline:
                break
        assert datetime.now(UTC) < deadline, runs
        time.sleep(3)
    assert {r["state"] for r in done} == {"success"}
    assert count[0]["n"] == expected


def test_traffic_batch_runs_on_the_compose_services_with_the_provisioned_traffic(compose):
    today = datetime.now(UTC).date()
    day = today - timedelta(days=2)  # the scheduled run after unpausing takes yesterday
    wait_for_dag(compose, "traffic_batch")
    compose.airflow("dags", "unpause", "traffic_batch")
    compose.airflow(
        "dags", "trigger", "traffic_batch", "--run-id", "compose_traffic", "--conf", json.dumps({"date": str(day)})
    )
    assert wait_for_run(compose, "traffic_batch", "compose_traffic", timeout=600)["state"] == "success"

    deliveries = feed.generate(
        day - timedelta(days=1), today, seed=SAMPLE_TRAFFIC_SEED, detector_count=SAMPLE_TRAFFIC_DETECTORS
    )
    expected = expected_rows(records_of(feed.firehose_objects(deliveries, seed=SAMPLE_TRAFFIC_SEED)), day)
    actual = athena_rows(
        compose,
        f"SELECT * FROM {PROCESSED_TABLE} WHERE year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}' "
        "ORDER BY uniqueid, recordtimestamp",
    )
    assert len(actual) == len(expected) > 0
    assert [(a, e) for a, e in zip(actual, expected, strict=True) if not same(a, e)] == []

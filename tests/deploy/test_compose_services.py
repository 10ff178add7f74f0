"""docker-compose.yaml's services, each run with exactly the files its container sees (see
compose_runner for what this proves and what only Docker can): provisioning, and one pipeline
green across the containers (the vehicle API download through the Lambda and the sample API's
container, then the asset-triggered processing). The pipelines' semantics are
the other tiers' (tests/dags, tests/services), on the same engines."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from local.sources.vehicle_api.data import expected_records
from local.stack import wait_for_dag
from pipelines.settings import SETTINGS
from tests.deploy.compose_runner import ComposeRun
from tests.support.athena import athena_rows
from tests.support.services import cli_json, dag_runs, wait_for_run

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
        runs = dag_runs(compose, "vehicle_api_processing")
        done = [r for r in runs if r["state"] in ("success", "failed")]
        if done and all(r["state"] in ("success", "failed") for r in runs):
            count = athena_rows(compose, f"SELECT count(*) AS n FROM sensor_data WHERE days = DATE '{VEHICLE_DAY}'")
            if count[0]["n"] == expected or datetime.now(UTC) > deadline:
                break
        assert datetime.now(UTC) < deadline, runs
        time.sleep(3)
    assert {r["state"] for r in done} == {"success"}
    assert count[0]["n"] == expected

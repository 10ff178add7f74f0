"""The downloader Lambda writes the API's pages to their S3 keys, in-process and deployed to the local AWS."""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import json
import logging
import sys
import uuid
from pathlib import Path

import pytest
from vehicle_api_client import VehicleApiClient

from deploy.vehicle_api_lambda import deploy_downloader
from local.sources.vehicle_api import ApiConfig, Fault, SampleVehicleApi, Volume
from pipelines.settings import SETTINGS
from pipelines.vehicle_api.batching import page_requests

DAY = "2026-01-01"
SMALL = Volume(vehicles_per_day=(30, 40), readings_per_vehicle=(5, 12))
SECRET_VALUE = "s3cr3t-for-the-downloader"
HANDLER_FILE = Path(__file__).resolve().parents[3] / "include" / "lambdas" / "vehicle_api_downloader" / "handler.py"


def load_handler():
    """The handler module from its file, as the Lambda runtime imports it (include/ is no package)."""
    name = "vehicle_api_downloader_handler"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HANDLER_FILE)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def api():
    # The failing page (sensor-data page 3 on 2026-01-02) is kept out of the other tests' days.
    faults = (Fault("error", endpoint="sensor-data", page=3, date="2026-01-02", status=500),)
    with SampleVehicleApi(
        ApiConfig(client_secret=SECRET_VALUE, volume=SMALL, revoke_tokens_every=3, faults=faults)
    ) as server:
        yield server


@pytest.fixture
def secret(local_aws, api):
    name = f"tests/vehicle-api/{uuid.uuid4().hex[:8]}"
    value = {"base_url": api.url, "client_id": "local-client", "client_secret": SECRET_VALUE}
    local_aws.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(value))
    return name


def objects(local_aws, prefix: str) -> dict[str, list[dict]]:
    s3 = local_aws.client("s3")
    listing = s3.list_objects_v2(Bucket=SETTINGS.raw_bucket, Prefix=prefix).get("Contents", [])
    found = {}
    for item in listing:
        body = s3.get_object(Bucket=SETTINGS.raw_bucket, Key=item["Key"])["Body"].read().decode()
        assert body.endswith("\n")
        found[item["Key"]] = [json.loads(line) for line in body.splitlines()]
    return found


def expected_objects(api, endpoint: str, prefix: str, page_size: int) -> dict[str, list[dict]]:
    records = api.expected_records(endpoint, DAY)
    return {
        f"{prefix}/{endpoint}/creation_date={DAY}/page-{n + 1:05d}.jsonl": records[i : i + page_size]
        for n, i in enumerate(range(0, len(records), page_size))
    }


def test_handler_writes_each_page_as_json_lines_at_its_key(local_aws, api, secret, monkeypatch, caplog):
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws.endpoint_url)
    monkeypatch.setenv("VEHICLE_API_SECRET", secret)
    handler = load_handler()
    prefix = f"tests/{uuid.uuid4().hex[:8]}"
    page_size = 40
    expected = expected_objects(api, "sensor-data", prefix, page_size)
    total = sum(len(v) for v in expected.values())
    events = page_requests(
        "sensor-data", DAY, len(expected), page_size, SETTINGS.raw_bucket, max_tasks=2, prefix=prefix
    )

    # INFO, the level Lambda logs at (botocore's DEBUG output shows raw responses, secrets included).
    with caplog.at_level(logging.INFO):
        results = [handler.handler(event, None) for event in events]

    assert objects(local_aws, prefix) == expected
    assert [r["records"] for r in results] == [sum(len(expected[p["key"]]) for p in r["pages"]) for r in results]
    assert sum(r["records"] for r in results) == total
    assert results[0] == {
        "endpoint": "sensor-data",
        "date": DAY,
        "pages": [
            {
                "page": n,
                "key": f"{prefix}/sensor-data/creation_date={DAY}/page-{n:05d}.jsonl",
                "records": page_size,
                "rejected": 0,
                "rejected_by_reason": {},
            }
            for n in events[0]["pages"]
        ],
        "records": page_size * len(events[0]["pages"]),
        "rejected": 0,
        "total_records": total,
    }
    # Tokens were revoked every third page: the handler refreshed them and went on.
    assert len(api.requests_to("/v1/sensor-data", 401)) >= 1
    assert "page 1: 40 records -> s3://" in caplog.text
    assert SECRET_VALUE not in caplog.text and "Bearer" not in caplog.text

    # A retry of the same event overwrites the same keys: nothing is duplicated.
    again = handler.handler(events[0], None)
    assert again == results[0]
    assert objects(local_aws, prefix) == expected


def test_a_bad_record_is_quarantined_with_its_reason_and_the_rest_of_its_page_written(local_aws):
    handler = load_handler()
    prefix = f"tests/{uuid.uuid4().hex[:8]}"
    faults = (Fault("malformed", endpoint="vehicles", page=2, mode="bad_record"),)
    config = ApiConfig(client_secret=SECRET_VALUE, volume=SMALL, faults=faults)
    with SampleVehicleApi(config) as server:
        client = VehicleApiClient(server.url, "local-client", SECRET_VALUE, sleep=lambda seconds: None)
        request = handler.parse_event(
            {
                "endpoint": "vehicles",
                "date": DAY,
                "pages": [1, 2],
                "page_size": 10,
                "bucket": SETTINGS.raw_bucket,
                "prefix": prefix,
            }
        )
        result = handler.download(request, client, local_aws.client("s3"))
        records = server.expected_records("vehicles", DAY)

    assert (result["records"], result["rejected"]) == (19, 1)
    assert [(p["records"], p["rejected"]) for p in result["pages"]] == [(10, 0), (9, 1)]
    found = objects(local_aws, prefix)
    page_2 = f"{prefix}/vehicles/creation_date={DAY}/page-00002.jsonl"
    assert found[page_2] == records[11:20]  # the page without its bad first record
    assert found[f"{prefix}/_quarantine/vehicles/creation_date={DAY}/page-00002.jsonl"] == [
        {
            "page": 2,
            "index": 0,
            "reason": "record has vehicle_id=12345 of the wrong type",
            "record": records[10] | {"vehicle_id": 12345},
        }
    ]
    assert len(found) == 3

    # The API is repaired and the page downloaded again: its quarantine object goes.
    with SampleVehicleApi(dataclasses.replace(config, faults=())) as server:
        client = VehicleApiClient(server.url, "local-client", SECRET_VALUE, sleep=lambda seconds: None)
        again = handler.download(request, client, local_aws.client("s3"))
    assert (again["records"], again["rejected"]) == (20, 0)
    assert sorted(objects(local_aws, prefix)) == [
        f"{prefix}/vehicles/creation_date={DAY}/page-0000{n}.jsonl" for n in (1, 2)
    ]


def test_download_names_the_page_that_keeps_failing_and_keeps_the_pages_before_it(local_aws, api):
    handler = load_handler()
    prefix = f"tests/{uuid.uuid4().hex[:8]}"
    request = handler.parse_event(
        {
            "endpoint": "sensor-data",
            "date": "2026-01-02",
            "pages": [2, 3, 4],
            "page_size": 10,
            "bucket": SETTINGS.raw_bucket,
            "prefix": prefix,
        }
    )
    client = VehicleApiClient(api.url, "local-client", SECRET_VALUE, sleep=lambda seconds: None)

    with pytest.raises(handler.PageDownloadError) as caught:
        handler.download(request, client, local_aws.client("s3"))

    assert str(caught.value) == (
        "sensor-data 2026-01-02 page 3 failed: sensor-data 2026-01-02 page 3: failed after 5 attempts; "
        "last: HTTP 500 (injected fault on page 3)"
    )
    assert list(objects(local_aws, prefix)) == [f"{prefix}/sensor-data/creation_date=2026-01-02/page-00002.jsonl"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"endpoint": "vehicles", "date": DAY, "pages": [], "page_size": 10, "bucket": "b"}, "pages must be a list"),
        ({"endpoint": "vehicles", "date": DAY, "pages": [1, 1], "page_size": 10, "bucket": "b"}, "must not repeat"),
        ({"endpoint": "vehicles", "date": DAY, "pages": [1], "page_size": 10}, "missing event field(s): bucket"),
        (
            {"endpoint": "vehicles", "date": DAY, "pages": [1], "page_size": 10, "bucket": "b", "client_secret": "x"},
            "unknown event field(s): client_secret",
        ),
        ({"endpoint": "cars", "date": DAY, "pages": [1], "page_size": 10, "bucket": "b"}, "unknown endpoint 'cars'"),
        (
            {"endpoint": "vehicles", "date": DAY, "pages": [0], "page_size": 10, "bucket": "b"},
            "page must be an integer >= 1",
        ),
    ],
)
def test_handler_rejects_a_bad_event_before_any_request(event, message):
    handler = load_handler()
    with pytest.raises(ValueError) as caught:
        handler.parse_event(event)
    assert message in str(caught.value)


def test_deployed_function_downloads_through_lambda_invoke(local_aws, api):
    settings = dataclasses.replace(
        SETTINGS,
        vehicle_api_secret=f"tests/vehicle-api/{uuid.uuid4().hex[:8]}",
        vehicle_api_lambda=f"vehicle-api-downloader-{uuid.uuid4().hex[:8]}",
    )
    secret_value = {"base_url": api.url, "client_id": "local-client", "client_secret": SECRET_VALUE}
    lines = deploy_downloader(local_aws.client, settings, secret_value)
    assert lines == [f"secret {settings.vehicle_api_secret}", f"lambda {settings.vehicle_api_lambda} created"]
    # Deploying again brings the same function up to date instead of failing.
    assert deploy_downloader(local_aws.client, settings)[-1] == f"lambda {settings.vehicle_api_lambda} updated"
    config = local_aws.client("lambda").get_function_configuration(FunctionName=settings.vehicle_api_lambda)
    assert (config["Runtime"], config["Handler"]) == ("python3.12", "handler.handler")
    assert config["Environment"]["Variables"] == {"VEHICLE_API_SECRET": settings.vehicle_api_secret}

    prefix = f"tests/{uuid.uuid4().hex[:8]}"
    expected = expected_objects(api, "vehicles", prefix, 15)
    event = {
        "endpoint": "vehicles",
        "date": DAY,
        "pages": list(range(1, len(expected) + 1)),
        "page_size": 15,
        "bucket": SETTINGS.raw_bucket,
        "prefix": prefix,
    }
    response = local_aws.client("lambda").invoke(
        FunctionName=settings.vehicle_api_lambda, Payload=json.dumps(event), LogType="Tail"
    )
    payload = json.loads(response["Payload"].read())

    assert "FunctionError" not in response, payload
    assert payload["records"] == payload["total_records"] == sum(len(v) for v in expected.values())
    assert [p["key"] for p in payload["pages"]] == list(expected)
    assert objects(local_aws, prefix) == expected
    assert SECRET_VALUE not in base64.b64decode(response["LogResult"]).decode()

    failing = {**event, "date": "2026-01-02", "endpoint": "sensor-data", "pages": [3], "page_size": 10}
    # Retries back off for real in the function (up to ~3.5 s with the default base of 0.5 s).
    response = local_aws.client("lambda").invoke(FunctionName=settings.vehicle_api_lambda, Payload=json.dumps(failing))
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "PageDownloadError"
    assert error["errorMessage"].startswith("sensor-data 2026-01-02 page 3 failed:")

"""The sample vehicle API honours the contract of spec section 2, with deterministic data."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from local.sources.vehicle_api import (
    VEHICLE_TYPES,
    ApiConfig,
    Fault,
    SampleVehicleApi,
    Volume,
    expected_records,
    vehicle_for_id,
)
from local.sources.vehicle_api.data import records_between

DAY = "2026-01-01"
SMALL = Volume(vehicles_per_day=(30, 40), readings_per_vehicle=(5, 12))


@pytest.fixture
def api():
    with SampleVehicleApi(ApiConfig(volume=SMALL)) as server:
        yield server


def token(api: SampleVehicleApi) -> str:
    response = requests.post(
        f"{api.url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get(api, endpoint="vehicles", bearer=None, **params) -> requests.Response:
    query = {
        "fromCreationDate": f"{DAY}T00:00:00Z",
        "toCreationDate": "2026-01-02T00:00:00Z",
        "timeZone": "UTC",
        "page": 1,
        "pageSize": 10,
    }
    query.update(params)
    query = {k: v for k, v in query.items() if v is not None}
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return requests.get(f"{api.url}/v1/{endpoint}", params=query, headers=headers, timeout=5)


def all_pages(api, bearer, endpoint, page_size, **params) -> tuple[list[dict], list[dict]]:
    first = get(api, endpoint, bearer, page=1, pageSize=page_size, **params).json()
    bodies = [first] + [
        get(api, endpoint, bearer, page=n, pageSize=page_size, **params).json()
        for n in range(2, first["total_pages"] + 1)
    ]
    return bodies, [record for body in bodies for record in body["data"]]


def test_token_is_a_bearer_token_with_the_configured_lifetime():
    with SampleVehicleApi(ApiConfig(token_ttl=120)) as api:
        response = requests.post(
            f"{api.url}/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
            timeout=5,
        )
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 120 and len(body["access_token"]) >= 20


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "other", "client_secret": "local-secret"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "password", "client_id": "local-client", "client_secret": "local-secret"},
            400,
            "unsupported_grant_type",
        ),
    ],
)
def test_token_request_is_refused_with_wrong_credentials_or_grant(api, form, status, error):
    response = requests.post(f"{api.url}/oauth/token", data=form, timeout=5)
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_data_needs_a_valid_unexpired_token():
    with SampleVehicleApi(ApiConfig(volume=SMALL, token_ttl=0.3)) as api:
        assert get(api).status_code == 401
        assert get(api, bearer="made-up").json()["message"] == "unknown or revoked token"
        bearer = token(api)
        assert get(api, bearer=bearer).status_code == 200
        time.sleep(0.35)
        expired = get(api, bearer=bearer)
    assert expired.status_code == 401
    assert expired.json() == {"error": "invalid_token", "message": "token expired"}
    assert expired.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("endpoint", ["vehicles", "sensor-data"])
def test_pages_hold_the_generated_records_in_order_without_overlap(api, endpoint):
    bearer = token(api)
    expected = expected_records(endpoint, DAY, volume=SMALL)
    page_size = 7 if endpoint == "vehicles" else 50
    bodies, records = all_pages(api, bearer, endpoint, page_size)

    assert records == expected
    assert bodies[0]["total_records"] == len(expected)
    assert bodies[0]["total_pages"] == math.ceil(len(expected) / page_size) > 1
    assert [b["page"] for b in bodies] == list(range(1, len(bodies) + 1))
    assert {b["pageSize"] for b in bodies} == {page_size}
    assert [len(b["data"]) for b in bodies[:-1]] == [page_size] * (len(bodies) - 1)
    assert len(bodies[-1]["data"]) == len(expected) - page_size * (len(bodies) - 1)
    key = "timestamp" if endpoint == "sensor-data" else "vehicle_id"
    assert len({(r["vehicle_id"], r[key]) for r in records}) == len(records)


def test_date_range_is_half_open_and_adjacent_ranges_split_the_records(api):
    bearer = token(api)
    day = expected_records("vehicles", DAY, volume=SMALL)
    boundary = day[len(day) // 2]["creation_date"]  # a record created exactly at the boundary
    _, before = all_pages(api, bearer, "vehicles", 100, toCreationDate=boundary)
    _, after = all_pages(api, bearer, "vehicles", 100, fromCreationDate=boundary)

    assert before + after == day
    assert after[0]["creation_date"] == boundary
    assert all(r["creation_date"] < boundary for r in before)


def test_ranges_across_midnight_and_with_offsets_are_served_in_utc(api):
    bearer = token(api)
    _, records = all_pages(
        api, bearer, "vehicles", 200, fromCreationDate="2026-01-01T20:00:00-02:00", toCreationDate="2026-01-02T06:00:00"
    )
    both_days = expected_records("vehicles", "2026-01-01", "2026-01-02", volume=SMALL)
    assert records == [r for r in both_days if "2026-01-01T22:00:00" <= r["creation_date"] < "2026-01-02T06:00:00"]
    assert {r["creation_date"][:10] for r in records} == {"2026-01-01", "2026-01-02"}


def test_output_is_deterministic_across_servers_and_depends_on_the_seed():
    with SampleVehicleApi(ApiConfig(volume=SMALL)) as one, SampleVehicleApi(ApiConfig(volume=SMALL)) as two:
        pages = [get(server, "sensor-data", token(server), page=2, pageSize=40).json() for server in (one, two)]
    assert pages[0] == pages[1] and len(pages[0]["data"]) == 40
    assert expected_records("vehicles", DAY, volume=SMALL) == expected_records("vehicles", DAY, volume=SMALL)
    assert expected_records("vehicles", DAY, seed="other", volume=SMALL) != expected_records(
        "vehicles", DAY, volume=SMALL
    )


def test_empty_day_has_page_one_with_no_records():
    with SampleVehicleApi(ApiConfig(volume=Volume(vehicles_per_day=(0, 0)))) as api:
        bearer = token(api)
        body = get(api, "sensor-data", bearer).json()
        beyond = get(api, "sensor-data", bearer, page=2)
    assert body == {"page": 1, "pageSize": 10, "total_pages": 0, "total_records": 0, "data": []}
    assert beyond.status_code == 400 and beyond.json()["error"] == "page_out_of_range"


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"pageSize": 0}, "invalid_parameter", "pageSize must be an integer 1..50000"),
        ({"pageSize": 50001}, "invalid_parameter", "pageSize must be an integer 1..50000"),
        ({"page": 0}, "invalid_parameter", "page must be an integer >= 1"),
        ({"page": "two"}, "invalid_parameter", "page must be an integer >= 1"),
        ({"page": 99}, "page_out_of_range", "page 99 is beyond total_pages"),
        ({"page": None}, "missing_parameter", "page is required"),
        ({"fromCreationDate": "yesterday"}, "invalid_parameter", "fromCreationDate is not an ISO-8601"),
        ({"toCreationDate": f"{DAY}T00:00:00Z"}, "invalid_parameter", "toCreationDate must be after"),
        ({"toCreationDate": "2026-03-01T00:00:00Z"}, "invalid_parameter", "at most 31 days"),
        ({"timeZone": "Europe/Berlin"}, "invalid_parameter", "timeZone must be UTC"),
        ({"limit": 5}, "invalid_parameter", "unknown parameter(s): limit"),
    ],
)
def test_invalid_parameters_are_answered_400_with_a_json_error(api, params, error, message):
    response = get(api, "vehicles", token(api), **params)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert message in response.json()["message"]


def test_rate_limit_answers_429_with_retry_after():
    with SampleVehicleApi(ApiConfig(volume=SMALL, rate_limit=1.0, burst=2)) as api:
        bearer = token(api)
        assert get(api, bearer=bearer).status_code == 200
        limited = get(api, bearer=bearer)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["error"] == "rate_limited"


def test_tokens_are_revoked_after_every_k_data_requests():
    with SampleVehicleApi(ApiConfig(volume=SMALL, revoke_tokens_every=2)) as api:
        bearer = token(api)
        statuses = [get(api, bearer=bearer, page=n).status_code for n in (1, 2, 3)]
        fresh = token(api)
        again = [get(api, bearer=fresh, page=n).status_code for n in (3, 1, 2)]
    assert statuses == [200, 200, 401]
    assert again == [200, 200, 401]


def test_error_fault_fires_the_given_number_of_times_on_its_page_only():
    fault = Fault("error", endpoint="vehicles", page=2, times=2, status=502)
    with SampleVehicleApi(ApiConfig(volume=SMALL, faults=(fault,))) as api:
        bearer = token(api)
        statuses = [get(api, bearer=bearer, page=page).status_code for page in (2, 1, 2, 2, 2)]
        other_endpoint = get(api, "sensor-data", bearer, page=2).status_code
    assert statuses == [502, 200, 502, 200, 200]
    assert other_endpoint == 200


def test_slow_fault_delays_the_answer():
    with SampleVehicleApi(ApiConfig(volume=SMALL, faults=(Fault("slow", page=3, delay=0.4),))) as api:
        bearer = token(api)
        started = time.monotonic()
        assert get(api, bearer=bearer, page=1).status_code == 200
        fast = time.monotonic() - started
        started = time.monotonic()
        assert get(api, bearer=bearer, page=3).status_code == 200
        slow = time.monotonic() - started
    assert fast < 0.3 <= 0.4 <= slow


@pytest.mark.parametrize("mode", ["bad_json", "missing_field", "bad_record", "short_page", "wrong_page"])
def test_malformed_fault_breaks_only_its_page(mode):
    fault = Fault("malformed", endpoint="sensor-data", page=2, date=DAY, mode=mode)
    with SampleVehicleApi(ApiConfig(volume=SMALL, faults=(fault,))) as api:
        bearer = token(api)
        good = get(api, "sensor-data", bearer, page=1).json()
        broken = get(api, "sensor-data", bearer, page=2)
    assert broken.status_code == 200 and len(good["data"]) == 10
    if mode == "bad_json":
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content)
        return
    body = broken.json()
    assert {
        "missing_field": lambda: "total_records" not in body,
        "bad_record": lambda: body["data"][0]["vehicle_id"] == 12345,
        "short_page": lambda: len(body["data"]) == 9,
        "wrong_page": lambda: body["page"] == 3,
    }[mode]()


def test_generated_data_looks_like_a_fleet():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(3)]
    vehicles = {d: expected_records("vehicles", d) for d in days}
    sensor = expected_records("sensor-data", days[0])

    # Every day creates new vehicles, a few thousand over a month at the default volume.
    assert all(80 <= len(v) <= 120 for v in vehicles.values())
    assert len({r["vehicle_id"] for v in vehicles.values() for r in v}) == sum(len(v) for v in vehicles.values())
    assert {r["vehicle_type"] for r in vehicles[days[0]]} == set(VEHICLE_TYPES)
    assert all(
        r["creation_date"].startswith("2026-01-01T") and r["creation_date"].endswith("Z") for r in vehicles[days[0]]
    )

    # Measurements a few seconds to minutes apart (a few bursts closer), some NULL, on the day they were created.
    nulls = sum(r["sensor_value"] is None for r in sensor)
    assert 0 < nulls < 0.15 * len(sensor)
    by_vehicle: dict[str, list[int]] = {}
    for record in sensor:
        by_vehicle.setdefault(record["vehicle_id"], []).append(record["timestamp"])
        created = datetime.fromtimestamp(record["timestamp"] / 1000, UTC)
        assert record["creation_date"] == created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{record['timestamp'] % 1000:03d}Z"
    gaps = [b - a for stamps in by_vehicle.values() for a, b in zip(sorted(stamps), sorted(stamps)[1:], strict=False)]
    assert min(gaps) >= 50 and max(gaps) <= 15 * 60 * 1000
    # Now and then a burst within a second (the seed-001 analysis counts whole seconds).
    bursts = sum(gap < 1000 for gap in gaps)
    assert 0.04 * len(gaps) < bursts < 0.12 * len(gaps)
    assert set(by_vehicle) <= {r["vehicle_id"] for r in vehicles[days[0]]}
    assert vehicle_for_id(sensor[0]["vehicle_id"]) == next(
        v for v in vehicles[days[0]] if v["vehicle_id"] == sensor[0]["vehicle_id"]
    )


def test_active_days_let_vehicles_measure_after_their_creation_day():
    volume = Volume(vehicles_per_day=(5, 5), readings_per_vehicle=(3, 3), active_days=2)
    sensor = expected_records("sensor-data", "2026-01-02", volume=volume)
    creation_days = {r["vehicle_id"].split("-")[1] for r in sensor}
    assert creation_days == {"20260101", "20260102"}
    assert len(sensor) == 30


def test_records_between_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        records_between("vehicles", datetime(2026, 1, 1), datetime(2026, 1, 2))


def test_command_line_server_prints_its_url_and_stops_on_sigterm():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.sources.vehicle_api",
            "--port",
            "0",
            "--vehicles-per-day",
            "3",
            "--rate-limit",
            "50",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],  # the repository, as a user starts it
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"ready at (http://127\.0\.0\.1:\d+)", line).group(1)
        response = requests.post(
            f"{url}/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
            timeout=5,
        )
        assert response.status_code == 200
        bearer = response.json()["access_token"]
        body = requests.get(
            f"{url}/v1/vehicles",
            params={"fromCreationDate": "2026-01-01", "toCreationDate": "2026-01-02", "page": 1, "pageSize": 10},
            headers={"Authorization": f"Bearer {bearer}"},
            timeout=5,
        ).json()
        assert body["total_records"] == 3
        assert body["data"] == expected_records("vehicles", DAY, volume=Volume(vehicles_per_day=(3, 3)))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "vehicle API stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

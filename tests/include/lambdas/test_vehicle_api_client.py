"""VehicleApiClient against the in-process sample API: pagination, tokens, retries, validation."""

from __future__ import annotations

import json
import math
import socket
import time
from datetime import date

import pytest
from vehicle_api_client import (
    ApiCredentials,
    MalformedPageError,
    PageInfo,
    VehicleApiAuthError,
    VehicleApiClient,
    VehicleApiRequestError,
    VehicleApiUnavailableError,
    page_problem,
    problem_kind,
    record_problem,
)

from local.sources.vehicle_api import ApiConfig, Fault, SampleVehicleApi, Volume, expected_records

DAY = "2026-01-01"
DAY_DATE = date(2026, 1, 1)
SMALL = Volume(vehicles_per_day=(30, 40), readings_per_vehicle=(5, 12))


class Sleeps:
    """Records the client's waits instead of waiting (or waits for real when ``real``)."""

    def __init__(self, real: bool = False) -> None:
        self.calls: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.real:
            time.sleep(seconds)


def serve(**config) -> SampleVehicleApi:
    config.setdefault("volume", SMALL)
    return SampleVehicleApi(ApiConfig(**config)).start()


def client_for(api: SampleVehicleApi, sleeps: Sleeps | None = None, **options) -> VehicleApiClient:
    options.setdefault("jitter", lambda: 1.0)
    return VehicleApiClient(api.url, "local-client", "local-secret", sleep=sleeps or Sleeps(), **options)


@pytest.fixture
def api():
    server = serve()
    yield server
    server.stop()


@pytest.mark.parametrize(("endpoint", "page_size"), [("vehicles", 8), ("sensor-data", 64)])
def test_probe_and_pages_reproduce_the_apis_records(api, endpoint, page_size):
    expected = expected_records(endpoint, DAY, volume=SMALL)
    with client_for(api) as client:
        info = client.probe(endpoint, DAY, page_size)
        pages = [client.fetch_page(endpoint, DAY, n, page_size) for n in range(1, info.total_pages + 1)]

    assert info == PageInfo(math.ceil(len(expected) / page_size), len(expected), page_size)
    assert info.total_pages > 2
    assert [record for page in pages for record in page] == expected
    assert [len(page) for page in pages[:-1]] == [page_size] * (info.total_pages - 1)


def test_fetch_day_and_the_token_is_fetched_once(api):
    with client_for(api) as client:
        records = client.fetch_day("sensor-data", DAY, 50)
    assert records == expected_records("sensor-data", DAY, volume=SMALL)
    assert client.token_fetches == 1
    assert len(api.requests_to("/oauth/token")) == 1


def test_empty_day_is_zero_pages():
    api = serve(volume=Volume(vehicles_per_day=(0, 0)))
    try:
        with client_for(api) as client:
            assert client.probe("vehicles", DAY, 100) == PageInfo(0, 0, 100)
            assert client.fetch_day("sensor-data", DAY, 100) == []
    finally:
        api.stop()


def test_token_revoked_mid_run_is_refreshed_once_per_request():
    api = serve(revoke_tokens_every=2)
    try:
        with client_for(api) as client:
            records = client.fetch_day("vehicles", DAY, 5)
        pages = math.ceil(len(expected_records("vehicles", DAY, volume=SMALL)) / 5)
        assert records == expected_records("vehicles", DAY, volume=SMALL)
        # Every second page revokes the token: the request after it gets one 401, then a new token.
        assert len(api.requests_to("/v1/vehicles", 401)) == (pages - 1) // 2
        assert client.token_fetches == 1 + (pages - 1) // 2
    finally:
        api.stop()


def test_expired_token_is_replaced(api):
    with client_for(api) as client:
        first = client.fetch_page("vehicles", DAY, 1, 10)
        api.revoke_tokens()
        second = client.fetch_page("vehicles", DAY, 2, 10)
    assert first + second == expected_records("vehicles", DAY, volume=SMALL)[:20]
    assert client.token_fetches == 2
    assert len(api.requests_to("/v1/vehicles", 401)) == 1


def test_a_fresh_token_refused_again_is_an_auth_error_naming_the_page():
    api = serve(faults=(Fault("unauthorized", endpoint="vehicles", page=3),))
    try:
        with client_for(api) as client, pytest.raises(VehicleApiAuthError) as caught:
            client.fetch_page("vehicles", DAY, 3, 10)
    finally:
        api.stop()
    assert str(caught.value) == "vehicles 2026-01-01 page 3: HTTP 401 again with a fresh token: token expired"
    assert len(api.requests_to("/oauth/token")) == 2
    assert len(api.requests_to("/v1/vehicles", 401)) == 2


def test_wrong_credentials_are_refused_without_retries(api):
    client = VehicleApiClient(api.url, "local-client", "not-the-secret", sleep=Sleeps())
    with pytest.raises(VehicleApiAuthError, match="token request: credentials refused: unknown client or wrong secret"):
        client.probe("vehicles", DAY, 10)
    assert len(api.requests_to("/oauth/token")) == 1


def test_429_waits_the_retry_after_seconds():
    api = serve(rate_limit=1.0, burst=2)  # the token and one page, then 429 for about a second
    sleeps = Sleeps(real=True)
    try:
        with client_for(api, sleeps) as client:
            first = client.fetch_page("sensor-data", DAY, 1, 20)
            second = client.fetch_page("sensor-data", DAY, 2, 20)
    finally:
        api.stop()
    assert first + second == expected_records("sensor-data", DAY, volume=SMALL)[:40]
    assert sleeps.calls == [1.0]
    assert len(api.requests_to("/v1/sensor-data", 429)) == 1


def test_5xx_is_retried_with_exponential_backoff_and_full_jitter():
    api = serve(faults=(Fault("error", endpoint="vehicles", page=2, times=3, status=503),))
    sleeps = Sleeps()
    draws = iter([0.5, 1.0, 0.25])
    try:
        with client_for(api, sleeps, jitter=lambda: next(draws), backoff_base=0.2) as client:
            page = client.fetch_page("vehicles", DAY, 2, 10)
    finally:
        api.stop()
    assert page == expected_records("vehicles", DAY, volume=SMALL)[10:20]
    # Attempt n waits a uniform draw times min(cap, base * 2**(n-1)).
    assert sleeps.calls == pytest.approx([0.5 * 0.2, 1.0 * 0.4, 0.25 * 0.8])
    assert [s.status for s in api.requests_to("/v1/vehicles")] == [503, 503, 503, 200]


def test_backoff_is_capped():
    client = VehicleApiClient("http://unused", "id", "secret", backoff_base=1.0, backoff_cap=5.0, jitter=lambda: 1.0)
    assert [client._backoff(n) for n in (1, 2, 3, 4, 10)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_a_page_that_keeps_failing_gives_up_with_a_clear_message():
    api = serve(faults=(Fault("error", endpoint="sensor-data", page=4, status=500),))
    try:
        with client_for(api, max_attempts=4) as client, pytest.raises(VehicleApiUnavailableError) as caught:
            client.fetch_page("sensor-data", DAY, 4, 10)
    finally:
        api.stop()
    assert str(caught.value) == (
        "sensor-data 2026-01-01 page 4: failed after 4 attempts; last: HTTP 500 (injected fault on page 4)"
    )
    assert len(api.requests_to("/v1/sensor-data", 500)) == 4


def test_a_timeout_is_retried():
    api = serve(faults=(Fault("slow", page=2, delay=1.0, times=1),))
    sleeps = Sleeps()
    try:
        with client_for(api, sleeps, timeout=(2.0, 0.3)) as client:
            page = client.fetch_page("vehicles", DAY, 2, 10)
    finally:
        api.stop()
    assert page == expected_records("vehicles", DAY, volume=SMALL)[10:20]
    assert len(sleeps.calls) == 1


def test_connection_refused_gives_up_after_the_attempts():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    client = VehicleApiClient(f"http://127.0.0.1:{port}", "id", "secret", max_attempts=3, sleep=sleeps)
    with pytest.raises(
        VehicleApiUnavailableError, match=r"^token request: failed after 3 attempts; last: connection failed$"
    ):
        client.probe("vehicles", DAY, 10)
    assert len(sleeps.calls) == 2


@pytest.mark.parametrize(
    ("mode", "problem"),
    [
        ("bad_json", "the answer is not valid JSON"),
        ("missing_field", "malformed page: total_records is None, not a non-negative integer"),
        ("short_page", "malformed page: holds 9 records, expected 10 (a partial page)"),
        ("wrong_page", "malformed page: answered page 3 instead of 2"),
    ],
)
def test_malformed_page_is_an_error_naming_endpoint_day_and_page(mode, problem):
    api = serve(faults=(Fault("malformed", endpoint="sensor-data", page=2, mode=mode),))
    try:
        with client_for(api) as client:
            assert len(client.fetch_page("sensor-data", DAY, 1, 10)) == 10
            with pytest.raises(MalformedPageError) as caught:
                client.fetch_page("sensor-data", DAY, 2, 10)
    finally:
        api.stop()
    assert str(caught.value).startswith(f"sensor-data 2026-01-01 page 2: {problem}")
    assert len(api.requests_to("/v1/sensor-data")) == 2  # not retried


def test_a_bad_record_is_returned_apart_with_its_reason_and_the_page_is_kept():
    api = serve(faults=(Fault("malformed", endpoint="sensor-data", page=2, mode="bad_record"),))
    try:
        with client_for(api) as client:
            page = client.get_page("sensor-data", DAY, 2, 10)
    finally:
        api.stop()
    assert len(page.records) == 9
    assert [(r["index"], r["reason"]) for r in page.rejected] == [(0, "record has vehicle_id=12345 of the wrong type")]
    assert page.rejected[0]["record"]["vehicle_id"] == 12345  # kept exactly as the API sent it
    assert len(api.requests_to("/v1/sensor-data")) == 1  # not retried


def good_page(endpoint="vehicles", records=None) -> dict:
    records = records if records is not None else expected_records(endpoint, DAY, volume=SMALL)[:3]
    return {"page": 1, "pageSize": 3, "total_pages": 2, "total_records": 5, "data": records}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda b: b.update(total_pages=3), "total_pages 3 does not fit total_records 5 at pageSize 3"),
        (lambda b: b.update(pageSize=4), "answered pageSize 4 instead of 3"),
        (lambda b: b.update(page=True), "page is True, not a non-negative integer"),
        (lambda b: b.update(data={}), "data is dict, not a list"),
    ],
)
def test_page_validation_names_what_is_wrong(change, problem):
    body = json.loads(json.dumps(good_page()))
    assert page_problem(body, "vehicles", 1, 3, DAY_DATE) is None
    change(body)
    assert problem in page_problem(body, "vehicles", 1, 3, DAY_DATE)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r.pop("vehicle_type"), "has no vehicle_type"),
        (lambda r: r.update(vehicle_id=""), "has an empty vehicle_id"),
        (
            lambda r: r.update(creation_date="2026-01-02T00:00:00Z"),
            "outside [2026-01-01T00:00:00Z, 2026-01-02T00:00:00Z)",
        ),
        (lambda r: r.update(creation_date="soon"), "has creation_date='soon', not ISO-8601"),
    ],
)
def test_record_validation_names_what_is_wrong_without_echoing_hostile_values(change, problem):
    record = expected_records("vehicles", DAY, volume=SMALL)[0]
    assert record_problem(record, "vehicles", DAY_DATE) is None
    change(record)
    assert problem in record_problem(record, "vehicles", DAY_DATE)


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("record has no vehicle_type", "record has no vehicle_type"),
        (
            "record has vehicle_name=['x of the wrong type'] of the wrong type",
            "record has vehicle_name of the wrong type",
        ),
        ("record has timestamp=99999999999999999999 beyond a bigint", "record has timestamp beyond a bigint"),
        ("record has creation_date='soon', not ISO-8601", "record has creation_date not ISO-8601"),
        (
            "record has creation_date='2026-01-02T00:00:00Z' outside [2026-01-01T00:00:00Z, 2026-01-02T00:00:00Z)",
            "record has creation_date outside the day",
        ),
        ("record is a list, not an object", "record is a list, not an object"),
    ],
)
def test_rejects_are_counted_by_the_kind_of_reason_without_the_value(reason, kind):
    assert problem_kind(reason) == kind


def test_a_hostile_value_is_named_in_a_few_characters_not_echoed():
    record = expected_records("vehicles", DAY, volume=SMALL)[0] | {"vehicle_name": ["x" * 100_000]}
    assert record_problem(record, "vehicles", DAY_DATE) == f"has vehicle_name=['{'x' * 55}... of the wrong type"


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("sensor_value", None, True),
        ("sensor_value", 7, True),
        ("sensor_value", float("nan"), False),
        ("sensor_value", "7.5", False),
        ("timestamp", 1767225600000.0, False),
        ("timestamp", True, False),
        ("timestamp", 2**63, False),
    ],
)
def test_sensor_record_types(field, value, ok):
    record = expected_records("sensor-data", DAY, volume=SMALL)[0]
    record[field] = value
    problem = record_problem(record, "sensor-data", date(2026, 1, 1))
    assert (problem is None) == ok, problem


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.fetch_page("vehicles", DAY, 0, 10), "page must be an integer >= 1, got 0"),
        (lambda c: c.fetch_page("vehicles", DAY, 1, 0), "page_size must be an integer within 1..50000, got 0"),
        (lambda c: c.fetch_page("vehicles", DAY, 1, 50001), "page_size must be an integer within 1..50000, got 50001"),
        (lambda c: c.fetch_page("vehicles", "2026-1-1", 1, 10), "expected a day as YYYY-MM-DD, got '2026-1-1'"),
        (lambda c: c.probe("trucks", DAY, 10), "unknown endpoint 'trucks'"),
        (lambda c: c.probe("sensor_data", DAY, 10), "unknown endpoint 'sensor_data'"),
    ],
)
def test_invalid_parameters_are_rejected_before_any_request(api, call, message):
    with client_for(api) as client, pytest.raises(ValueError, match=message.replace("(", r"\(")):
        call(client)
    assert list(api.served) == []


def test_a_page_beyond_the_last_is_a_request_error(api):
    with (
        client_for(api) as client,
        pytest.raises(VehicleApiRequestError, match="vehicles 2026-01-01 page 50: HTTP 400"),
    ):
        client.fetch_page("vehicles", DAY, 50, 10)


def test_credentials_from_a_secret_in_either_format():
    plain = ApiCredentials.from_secret(
        json.dumps({"base_url": "http://api:8400/", "client_id": "a", "client_secret": "s3"})
    )
    connection = ApiCredentials.from_secret(
        json.dumps({"conn_type": "http", "host": "api.example.com", "schema": "https", "login": "a", "password": "s3"})
    )
    with_port = ApiCredentials.from_secret(
        json.dumps({"host": "http://127.0.0.1", "port": 8400, "login": "a", "password": "s3"})
    )
    assert plain == ApiCredentials("http://api:8400", "a", "s3")
    assert connection == ApiCredentials("https://api.example.com", "a", "s3")
    assert with_port.base_url == "http://127.0.0.1:8400"
    assert "s3" not in repr(plain) and "s3" not in repr(VehicleApiClient.from_credentials(plain))
    with pytest.raises(ValueError, match="needs base_url, client_id and client_secret"):
        ApiCredentials.from_secret(json.dumps({"base_url": "http://api", "client_id": "a"}))
    with pytest.raises(ValueError, match="must be a JSON object"):
        ApiCredentials.from_secret("http://a:b@api")

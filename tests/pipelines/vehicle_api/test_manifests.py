import json

from pipelines.vehicle_api.manifests import complete_days, incomplete_message, manifest, manifest_key, stale_pages


def summary(endpoint: str, day: str, records: int, pages: int) -> dict:
    return {"endpoint": endpoint, "date": day, "records": records, "pages": pages}


def test_manifest_names_every_page_key_of_the_checked_download():
    body = json.loads(manifest(summary("sensor-data", "2026-03-01", 95, 3), "run-1"))
    assert body["keys"] == [f"vehicle_api/sensor-data/creation_date=2026-03-01/page-0000{p}.jsonl" for p in (1, 2, 3)]
    assert (body["records"], body["run_id"]) == (95, "run-1")
    assert manifest_key("vehicles", "2026-03-01") == "vehicle_api/_manifests/vehicles/creation_date=2026-03-01.json"


def test_pages_beyond_the_download_are_stale():
    prefix = "vehicle_api/vehicles/creation_date=2026-03-01/"
    keys = [f"{prefix}page-0000{p}.jsonl" for p in (1, 2, 3, 4)]
    assert stale_pages(summary("vehicles", "2026-03-01", 80, 2), keys) == keys[2:]


def test_only_days_with_both_manifests_are_complete():
    store = {
        manifest_key("vehicles", "2026-03-01"): manifest(summary("vehicles", "2026-03-01", 30, 1), "r"),
        manifest_key("sensor-data", "2026-03-01"): manifest(summary("sensor-data", "2026-03-01", 200, 5), "r"),
        manifest_key("vehicles", "2026-03-02"): manifest(summary("vehicles", "2026-03-02", 31, 1), "r"),
    }
    complete, incomplete, figures = complete_days(["2026-03-02", "2026-03-01", "2026-03-03"], store.get)
    assert complete == ["2026-03-01"]
    assert incomplete == ["2026-03-02 (sensor-data)", "2026-03-03 (vehicles, sensor-data)"]
    assert figures == {"2026-03-01": {"vehicles": 30, "sensor-data": 200}}


def test_the_message_names_at_most_twenty_days():
    days = [f"2020-01-{d:02d} (vehicles)" for d in range(1, 31)]
    message = incomplete_message(days)
    assert message.endswith("2020-01-20 (vehicles) and 10 more") and "2020-01-21" not in message

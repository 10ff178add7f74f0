import json

import pytest

from pipelines.vehicle_api.dates import complete_dates, dates_to_process
from pipelines.vehicle_api.manifests import ENDPOINTS, IncompleteDaysError, manifest_key


def test_a_partitioned_run_processes_its_partition_key():
    assert dates_to_process("2026-03-02", []) == ["2026-03-02"]


def test_the_partition_key_wins_over_the_param_and_the_logical_date():
    assert dates_to_process("2026-03-02", ["2026-01-01"], logical_day="2020-07-14") == ["2026-03-02"]


def test_a_manual_run_uses_the_param():
    assert dates_to_process(None, ["2026-01-02", "2026-01-01", "2026-01-02"]) == ["2026-01-01", "2026-01-02"]


def test_a_manual_run_at_a_logical_date_without_dates_processes_that_day():
    assert dates_to_process(None, [], logical_day="2020-07-14") == ["2020-07-14"]
    assert dates_to_process(None, ["2026-01-01"], logical_day="2020-07-14") == ["2026-01-01"]


@pytest.mark.parametrize("key", ["2026-02-30", "20260301", "2026-03-01' OR 1=1 --", " "])
def test_a_partition_key_that_is_not_a_day_is_an_error(key):
    with pytest.raises(ValueError, match="not a YYYY-MM-DD day"):
        dates_to_process(key, [])


def test_no_dates_at_all_is_an_error():
    with pytest.raises(ValueError, match="no days"):
        dates_to_process(None, [])


def test_only_days_downloaded_completely_for_both_endpoints_are_processed():
    manifest = json.dumps({"records": 3})
    store = {manifest_key(endpoint, "2026-03-01"): manifest for endpoint in ENDPOINTS}
    store[manifest_key("vehicles", "2026-03-02")] = manifest
    assert complete_dates(None, ["2026-03-01"], None, store.get) == ["2026-03-01"]
    with pytest.raises(IncompleteDaysError, match=r"2026-03-02 \(sensor-data\)$"):
        complete_dates(None, ["2026-03-01", "2026-03-02"], None, store.get)

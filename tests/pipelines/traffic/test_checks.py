"""The check of a processed traffic day before it is published."""

from types import SimpleNamespace

import pytest

from pipelines.traffic.checks import ProcessedDayError, check_day, verify_day


def test_day_check_names_every_problem():
    assert verify_day({"row_count": 10, "duplicated_keys": 0, "invalid_rows": 0}, "2020-07-14")["row_count"] == 10
    with pytest.raises(ProcessedDayError, match="2 .* keys appear more than once; 3 rows have indicator values"):
        verify_day({"row_count": 10, "duplicated_keys": 2, "invalid_rows": 3}, "2020-07-14")
    with pytest.raises(ProcessedDayError, match="no rows"):
        verify_day({"row_count": 0, "duplicated_keys": 0, "invalid_rows": 0}, "2020-07-14")


def test_the_check_task_reads_the_query_row_for_the_runs_day():
    results = {"ResultSet": {"Rows": [
        {"Data": [{"VarCharValue": c} for c in ("row_count", "duplicated_keys", "invalid_rows", "rejected_records",
                                                 "rejected_by_reason", "records_read")]},
        {"Data": [{"VarCharValue": v} for v in ("1440", "0", "0", "3",
                                                 "defect is not an int=1|malformed JSON=2", "1500")]},
    ]}}  # fmt: skip
    run = SimpleNamespace(target="2020-07-14")
    assert check_day(results, run) == {
        "row_count": 1440,
        "duplicated_keys": 0,
        "invalid_rows": 0,
        "rejected_records": 3,
        "records_read": 1500,
        "ledger": {
            "read": 1500,
            "rejected": {"defect is not an int": 1, "malformed JSON": 2},
            "published": {"traffic_processed": 1440},
        },
    }
    del results["ResultSet"]["Rows"][1]["Data"][4]["VarCharValue"]  # NULL: no reject
    assert check_day(results, run)["ledger"]["rejected"] == {}
    results["ResultSet"]["Rows"][1]["Data"][1]["VarCharValue"] = "2"
    with pytest.raises(ProcessedDayError, match="traffic_processed 2020-07-14: 2 "):
        check_day(results, run)

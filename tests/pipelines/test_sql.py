import pytest

from pipelines.sql import checked_days, sql_dates, sql_strings


def test_days_are_sorted_unique_and_quoted():
    assert sql_strings(["2026-03-02", "2026-03-01", "2026-03-02"]) == "'2026-03-01', '2026-03-02'"
    assert sql_dates(["2026-03-01"]) == "DATE '2026-03-01'"


@pytest.mark.parametrize("bad", ["2026-3-1", "2026-02-30", "1' OR '1'='1", 20260301])
def test_anything_but_a_real_day_is_rejected(bad):
    with pytest.raises(ValueError):
        checked_days([bad])


def test_no_days_is_an_error():
    with pytest.raises(ValueError, match="no days"):
        checked_days([])

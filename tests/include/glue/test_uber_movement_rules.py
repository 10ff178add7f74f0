"""The rules a travel-times row must meet, which the Glue job and the ingest endpoint share."""

from __future__ import annotations

from datetime import date

import pytest

from include.glue.uber_movement_rules import SOURCE_COLUMNS, date_range, reject_reason

GOOD = {
    **dict(zip(SOURCE_COLUMNS, ["7", "A", "9", "B", "1/1/2020 - 1/31/2020, Every day", "1e3", "0", " 12.5 "], strict=True)),
    "replay_id": "travel-times.csv:1",
}  # fmt: skip
MEAN = "Mean Travel Time (Seconds)"


def test_a_typable_row_has_no_reason():
    assert reject_reason(GOOD) is None
    assert date_range("12/1/2020 - 12/31/2020, Every day, Daily Average") == (date(2020, 12, 1), date(2020, 12, 31))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"replay_id": None}, "missing replay_id"),
        ({"replay_id": " "}, "missing replay_id"),
        ({"replay_id": "no-row-number"}, "replay_id is not '<source file>:<row number>'"),
        ({"replay_id": "file.csv:0"}, "replay_id is not '<source file>:<row number>'"),
        ({"Origin Movement ID": "1.5"}, "Origin Movement ID is not an integer"),
        ({"Origin Movement ID": "1234567890"}, "Origin Movement ID is not an integer"),
        ({MEAN: "abc"}, f"{MEAN} is not a finite number"),
        ({MEAN: "NaN"}, f"{MEAN} is not a finite number"),
        ({MEAN: "Infinity"}, f"{MEAN} is not a finite number"),
        ({MEAN: "1e400"}, f"{MEAN} is not a finite number"),
        ({MEAN: "1_000"}, f"{MEAN} is not a finite number"),  # Python's float reads it, Spark does not
        ({MEAN: "12.5d"}, f"{MEAN} is not a finite number"),  # Spark reads it, Python does not
        ({MEAN: "-5"}, f"{MEAN} is negative"),
        ({"Origin Display Name": None}, "Origin Display Name is missing"),
        ({"Date Range": "yesterday"}, "Date Range is not 'M/D/YYYY - M/D/YYYY, ...'"),
        ({"Date Range": "2/29/2021 - 3/1/2021"}, "Date Range is not 'M/D/YYYY - M/D/YYYY, ...'"),
        ({"Date Range": "2/1/2020 - 1/1/2020"}, "Date Range ends before it starts"),
    ],
)
def test_the_first_broken_rule_is_the_reason(changes, reason):
    assert reject_reason({**GOOD, **changes}) == reason

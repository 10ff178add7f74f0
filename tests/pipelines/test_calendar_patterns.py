"""The params' patterns match exactly the days and hours that exist."""

from __future__ import annotations

import re
from datetime import date, datetime

from pipelines.calendar_patterns import day_pattern, hour_pattern


def exists(text: str, form: str) -> bool:
    try:
        datetime.strptime(text, form)
    except ValueError:
        return False
    return True


# jsonschema applies a pattern with re.search, as Airflow validates params with it.


def test_a_day_matches_exactly_when_it_is_in_the_calendar():
    pattern = re.compile(day_pattern())
    # Four centuries and their neighbours cover every leap-year rule (1600, 1700, 1900, 2000, 2100, 2400).
    for year in [*range(1596, 1604), *range(1696, 1704), *range(1896, 2104), *range(2396, 2404), 1, 9999]:
        for month in range(0, 14):
            for day in range(0, 33):
                text = f"{year:04d}-{month:02d}-{day:02d}"
                assert bool(pattern.search(text)) == exists(text, "%Y-%m-%d"), text


def test_an_hour_matches_exactly_when_it_exists():
    for separator, form in (("T", "%Y-%m-%dT%H"), ("-", "%Y-%m-%d-%H")):
        pattern = re.compile(hour_pattern(separator))
        for text in ["2024-02-29", "2023-02-29", "2024-02-30", "2100-02-29", "2000-02-29", "2024-04-31", "2024-12-31"]:
            for hour in range(0, 26):
                candidate = f"{text}{separator}{hour:02d}"
                assert bool(pattern.search(candidate)) == exists(candidate, form), candidate
        assert not pattern.search(f"{date(2024, 1, 1)}{separator}1")
        assert not pattern.search(f"2024-01-01{separator}10\n")

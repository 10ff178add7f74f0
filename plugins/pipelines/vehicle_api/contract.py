"""The vehicle API's contract: endpoints, parameters and record fields.

Each endpoint has one name everywhere (API path, Lambda event, S3 folder, asset): the API's
own path segment, ``vehicles`` and ``sensor-data``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

ENDPOINTS = ("vehicles", "sensor-data")
MAX_PAGE_SIZE = 50_000

# Required fields of a record and the JSON types allowed for each (None: JSON null).
RECORD_FIELDS: dict[str, dict[str, tuple[type | None, ...]]] = {
    "vehicles": {"vehicle_id": (str,), "vehicle_name": (str,), "vehicle_type": (str,), "creation_date": (str,)},
    "sensor-data": {
        "vehicle_id": (str,),
        "timestamp": (int,),
        "sensor_value": (float, int, None),
        "creation_date": (str,),
    },
}


def check_endpoint(endpoint: str) -> str:
    if endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {', '.join(ENDPOINTS)}")
    return endpoint


def parse_day(day: date | str) -> date:
    """A calendar day from a ``date`` or a ``YYYY-MM-DD`` string (nothing else)."""
    if isinstance(day, datetime):
        raise ValueError(f"expected a day, not a date-time: {day!r}")
    if isinstance(day, date):
        return day
    if isinstance(day, str) and len(day) == 10:
        try:
            return date.fromisoformat(day)
        except ValueError:
            pass
    raise ValueError(f"expected a day as YYYY-MM-DD, got {day!r}")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The half-open range [day 00:00 UTC, next day 00:00 UTC) of records created on ``day``."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def check_page(page: int, page_size: int) -> None:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValueError(f"page must be an integer >= 1, got {page!r}")
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be an integer within 1..{MAX_PAGE_SIZE}, got {page_size!r}")

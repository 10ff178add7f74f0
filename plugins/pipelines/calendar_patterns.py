"""Regular expressions that match only days and hours that exist, for the DAGs' params.

Airflow validates a run's params with JSON Schema when the run is created (CLI, REST API, UI
form), before any task. JSON Schema's ``date`` format checks a day, but an hour such as
``2024-02-30T10`` has no format; a ``pattern`` that knows the calendar (month lengths, leap
years: every fourth year, not centuries, but every fourth century) refuses it there, instead of
a task failing on it after its retries.
"""

from __future__ import annotations

_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"  # months of 31 days
    r"|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"  # of 30
    r"|02-(?:0[1-9]|1\d|2[0-8]))"  # February, every year
)
_LEAP_YEAR = r"(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
DAY = rf"(?:\d{{4}}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
HOUR_OF_DAY = r"(?:[01]\d|2[0-3])"
# The end of the text in both JSON Schema's regular expressions (ECMA 262) and Python's, where
# ``$`` also matches before a final newline.
END = r"(?![\s\S])"


def day_pattern() -> str:
    """``YYYY-MM-DD`` of a day that exists."""
    return rf"^{DAY}{END}"


def hour_pattern(separator: str) -> str:
    """``YYYY-MM-DD<separator>HH`` of an hour that exists (``T`` for web hits, ``-`` for arrival hours)."""
    return rf"^{DAY}{separator}{HOUR_OF_DAY}{END}"

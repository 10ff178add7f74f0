"""Jinja macros for the SQL files: literal lists of validated days.

Days come from params and asset events; each is checked against YYYY-MM-DD before it is
written into SQL, so no value can change a statement's meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def checked_days(days: Iterable[str]) -> list[str]:
    """Sorted, unique, valid ``YYYY-MM-DD`` days; raises on anything else or on none at all."""
    result = set()
    for day in days:
        if not isinstance(day, str) or not DAY.match(day):
            raise ValueError(f"not a YYYY-MM-DD day: {day!r}")
        try:
            date.fromisoformat(day)
        except ValueError as err:  # 2026-02-30
            raise ValueError(f"not a YYYY-MM-DD day: {day!r} ({err})") from None
        result.add(day)
    if not result:
        raise ValueError("no days to process")
    return sorted(result)


def sql_strings(days: Iterable[str]) -> str:
    """``'2026-01-01', '2026-01-02'``."""
    return ", ".join(f"'{day}'" for day in checked_days(days))


def sql_dates(days: Iterable[str]) -> str:
    """``DATE '2026-01-01', DATE '2026-01-02'``."""
    return ", ".join(f"DATE '{day}'" for day in checked_days(days))


MACROS = {"sql_strings": sql_strings, "sql_dates": sql_dates}

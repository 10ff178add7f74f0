"""An independent computation of the web hits aggregates, in plain Python, for the tests.

Written from the spec (section 3), not from the Glue job: a hit belongs to hour H by its
Timestamp in UTC; a line that is no JSON object of the expected types, has no or an unreadable
Timestamp, or is stamped more than an hour from its folder's hour is rejected by the run of
its folder's hour.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

KEYS = {
    "hits_by_country": ("country_code",),
    "hits_by_domain_and_groupid": ("domain", "group_id"),
    "hits_by_useragent": ("user_agent",),
}
FIELDS = {"country_code": "CountryCode", "domain": "Domain", "group_id": "GroupID", "user_agent": "UserAgent"}
FOLDER = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/")


def lines_of(files: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(folder hour ``YYYY-MM-DDTHH``, line) of every line of the files (``.key``, ``.body``)."""
    for f in files:
        year, month, day, hour = FOLDER.search(f.key).groups()
        for line in f.body.decode().split("\n")[:-1]:
            yield f"{year}-{month}-{day}T{hour}", line


def judge(folder: str, line: str) -> tuple[dict | None, datetime | None, str | None]:
    """(the hit, its UTC time, None) or (None, None, the reason it is rejected)."""
    try:
        hit = json.loads(line)
    except ValueError:
        hit = None
    if not line.strip():
        return None, None, "empty line"
    group = hit.get("GroupID") if isinstance(hit, dict) else None
    if not isinstance(hit, dict) or (group is not None and (type(group) is not int or abs(group) >= 2**31)):
        return None, None, "not a JSON object with the expected field types"
    if hit.get("Timestamp") is None:
        return None, None, "missing Timestamp"
    try:
        at = datetime.fromisoformat(hit["Timestamp"])
    except (TypeError, ValueError):
        return None, None, "Timestamp is not ISO-8601"
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    folder_start = datetime.strptime(folder, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    if abs(at.replace(minute=0, second=0, microsecond=0) - folder_start) > timedelta(hours=1):
        return None, None, "Timestamp more than an hour from its folder"
    return hit, at, None


def expected_counts(lines: list[tuple[str, str]], hour: str) -> dict[str, dict[tuple, int]]:
    """{table: {key values: hit count}} of the hits whose UTC time is in ``hour``."""
    start = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    counts: dict[str, Counter] = {table: Counter() for table in KEYS}
    for folder, line in lines:
        hit, at, _ = judge(folder, line)
        if hit is None or not start <= at < start + timedelta(hours=1):
            continue
        for table, keys in KEYS.items():
            counts[table][tuple(hit.get(FIELDS[key]) for key in keys)] += 1
    return {table: dict(counter) for table, counter in counts.items()}


def rejected_lines(lines: list[tuple[str, str]], hour: str) -> list[tuple[str, str]]:
    """(line, reason) of the lines of ``hour``'s folder that are no hit."""
    return [
        (line, reason) for folder, line in lines if folder == hour for _, _, reason in [judge(folder, line)] if reason
    ]

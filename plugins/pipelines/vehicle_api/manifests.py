"""Completion manifests: a downloaded day is visible to processing only once it is complete.

Pages land at deterministic keys in the day's raw partition, so a partial download looks like
a complete one from S3 alone. The download DAG writes ``vehicle_api/_manifests/<endpoint>/
creation_date=D.json`` only after its completeness check passed (records and pages as the API
reported them); processing takes a day only when both endpoints have a manifest, and checks the
raw partition's record counts against the manifests' figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pipelines.vehicle_api.layout import DEFAULT_PREFIX, page_key, page_number

ENDPOINTS = ("vehicles", "sensor-data")


class IncompleteDaysError(ValueError):
    """Days asked for whose download is not complete for every endpoint."""


def manifest_key(endpoint: str, day: str) -> str:
    return f"{DEFAULT_PREFIX}/_manifests/{endpoint}/creation_date={day}.json"


def _page_keys(summary: dict[str, Any]) -> list[str]:
    """The keys of a checked download (``summary``: the completeness check's result)."""
    return [page_key(summary["endpoint"], summary["date"], page) for page in range(1, summary["pages"] + 1)]


def manifest(summary: dict[str, Any], run_id: str) -> str:
    """The manifest of a checked download."""
    return json.dumps({**summary, "run_id": run_id, "keys": _page_keys(summary)}, sort_keys=True)


def stale_pages(summary: dict[str, Any], keys_in_partition: Iterable[str]) -> list[str]:
    """Keys in the day's partition that the complete download did not write (an earlier, larger
    download's last pages): readers of the partition must not count them."""
    return sorted(set(keys_in_partition) - set(_page_keys(summary)))


def stale_quarantine(summary: dict[str, Any], quarantine_keys: Iterable[str]) -> list[str]:
    """Quarantine objects of pages beyond the checked download (its own pages' objects were
    rewritten or removed by the downloads that wrote those pages)."""
    return sorted(key for key in quarantine_keys if page_number(key) > summary["pages"])


def complete_days(
    candidates: Iterable[str], read: Callable[[str], str | None]
) -> tuple[list[str], list[str], dict[str, dict[str, int]]]:
    """Split days into (complete, incomplete) by their manifests; with each complete day's figures.

    ``read(key)`` returns an object's text, or None when there is none.
    """
    complete, incomplete, figures = [], [], {}
    for day in sorted(set(candidates)):
        found = {endpoint: read(manifest_key(endpoint, day)) for endpoint in ENDPOINTS}
        missing = [endpoint for endpoint, text in found.items() if text is None]
        if missing:
            incomplete.append(f"{day} ({', '.join(missing)})")
            continue
        complete.append(day)
        figures[day] = {endpoint: json.loads(text)["records"] for endpoint, text in found.items() if text}
    return complete, incomplete, figures


def incomplete_message(incomplete: list[str], shown: int = 20) -> str:
    """``not completely downloaded: D1 (sensor-data), ...`` naming at most ``shown`` days."""
    named = ", ".join(incomplete[:shown])
    more = f" and {len(incomplete) - shown} more" if len(incomplete) > shown else ""
    return f"not completely downloaded (no completion manifest): {named}{more}"

"""The Uber Movement lake rows computed from a travel-times CSV by hand, apart from the Glue job."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

COLUMNS = (
    "Origin Movement ID", "Origin Display Name", "Destination Movement ID", "Destination Display Name",
    "Date Range", "Mean Travel Time (Seconds)", "Range - Lower Bound Travel Time (Seconds)",
    "Range - Upper Bound Travel Time (Seconds)",
)  # fmt: skip


def typed_independently(path: Path) -> tuple[dict[str, dict], int]:
    """The CSV typed here, by hand: the lake's rows by replay_id, and how many rows are untypable."""
    good, bad = {}, 0
    with open(path, newline="") as lines:
        for number, source in enumerate(csv.DictReader(lines), start=1):
            try:
                first, _, last = source["Date Range"].split(",")[0].partition(" - ")
                start, end = (datetime.strptime(d.strip(), "%m/%d/%Y").date() for d in (first, last))
                numbers = [float(source[c]) for c in COLUMNS[5:]]
            except ValueError:
                bad += 1
                continue
            replay_id = f"{path.name}:{number}"
            good[replay_id] = {
                "origin_movement_id": int(source[COLUMNS[0]]),
                "origin_display_name": source[COLUMNS[1]],
                "destination_movement_id": int(source[COLUMNS[2]]),
                "destination_display_name": source[COLUMNS[3]],
                "date_range": source[COLUMNS[4]],
                "range_start": start.isoformat(),
                "range_end": end.isoformat(),
                "mean_travel_time_seconds": numbers[0],
                "lower_bound_travel_time_seconds": numbers[1],
                "upper_bound_travel_time_seconds": numbers[2],
                "replay_id": replay_id,
            }
    return good, bad

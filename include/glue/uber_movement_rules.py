"""What makes an Uber Movement row typable, in one place: the Glue job types the lake's rows by
these rules (shipped beside its script with ``--extra-py-files``) and the HTTP ingest endpoint
refuses a row that breaks them, with the same reason, before it reaches the stream.

Plain Python, no Spark: a row is the export's eight columns and a ``replay_id``, each as text
(a JSON number as it was written) or None when missing.
"""

from __future__ import annotations

import math
import re
from datetime import date

# CSV column -> (lake column, type)
SOURCE_COLUMNS = {
    "Origin Movement ID": ("origin_movement_id", "int"),
    "Origin Display Name": ("origin_display_name", "string"),
    "Destination Movement ID": ("destination_movement_id", "int"),
    "Destination Display Name": ("destination_display_name", "string"),
    "Date Range": ("date_range", "string"),
    "Mean Travel Time (Seconds)": ("mean_travel_time_seconds", "double"),
    "Range - Lower Bound Travel Time (Seconds)": ("lower_bound_travel_time_seconds", "double"),
    "Range - Upper Bound Travel Time (Seconds)": ("upper_bound_travel_time_seconds", "double"),
}
INTEGER = r"^\s*-?\d{1,9}\s*$"  # fits a 32-bit int
NUMBER = r"^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"  # decimal, as both Python and Spark read it
DATE_RANGE = r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*-\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*(,.*)?$"  # M/D/YYYY - M/D/YYYY, ...
# A row is named by its source file and its row number there, whichever way it arrives (the
# replay producer, the ingest endpoint): the lake keeps a replay_id once.
REPLAY_ID = r"^.{1,240}:[1-9]\d{0,12}$"
REPLAY_ID_FORM = "'<source file>:<row number>'"


def _number(text: str) -> float | None:
    """The text as a finite number, or None."""
    if not re.match(NUMBER, text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def date_range(text: str) -> tuple[date, date] | None:
    """``Date Range``'s first and last day, or None when it is not in the export's form or names a day that does not exist."""
    found = re.match(DATE_RANGE, text)
    if not found:
        return None
    m1, d1, y1, m2, d2, y2 = (int(found.group(n)) for n in range(1, 7))
    try:
        return date(y1, m1, d1), date(y2, m2, d2)
    except ValueError:
        return None


def reject_reason(row: dict[str, str | None]) -> str | None:
    """Why the row cannot be typed (the first rule it breaks), or None: it is a row of the lake."""
    replay_id = row.get("replay_id")
    if replay_id is None or not replay_id.strip():
        return "missing replay_id"
    if not re.match(REPLAY_ID, replay_id):
        return f"replay_id is not {REPLAY_ID_FORM}"
    for source, (_, kind) in SOURCE_COLUMNS.items():
        text = row.get(source)
        if kind == "int" and (text is None or not re.match(INTEGER, text)):
            return f"{source} is not an integer"
        if kind == "double":
            value = None if text is None else _number(text)
            if value is None:
                return f"{source} is not a finite number"
            if value < 0:
                return f"{source} is negative"
        if kind == "string" and text is None:
            return f"{source} is missing"
    days = date_range(row["Date Range"] or "")
    if days is None:
        return "Date Range is not 'M/D/YYYY - M/D/YYYY, ...'"
    if days[1] < days[0]:
        return "Date Range ends before it starts"
    return None

"""Deterministic Uber Movement travel-times CSV: ``python -m local.sources.uber_movement.travel_times``.

The export's columns (spec section 4): origin and destination zones (Movement ID and display
name), the date range in the dataset's text form (``1/1/2020 - 1/31/2020, Every day, Daily
Average``), and the mean, lower and upper travel times in seconds, lower <= mean <= upper,
growing with the zones' distance. Real exports carry rows that cannot be typed, and so does
this one: about one row in two hundred has an empty number, or a date range in another form.
The same seed and size always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta

COLUMNS = (
    "Origin Movement ID",
    "Origin Display Name",
    "Destination Movement ID",
    "Destination Display Name",
    "Date Range",
    "Mean Travel Time (Seconds)",
    "Range - Lower Bound Travel Time (Seconds)",
    "Range - Upper Bound Travel Time (Seconds)",
)
NUMBERS = COLUMNS[5:]
# A city's zones as Uber Movement names them: a street address or block, then the neighbourhood.
STREETS = (
    "Market Street", "Mission Street", "Valencia Street", "Geary Boulevard", "Fillmore Street", "Divisadero Street",
    "Irving Street", "Judah Street", "Taraval Street", "Ocean Avenue", "Castro Street", "Haight Street",
    "Columbus Avenue", "Grant Avenue", "Polk Street", "Van Ness Avenue", "Folsom Street", "Howard Street",
    "Bryant Street", "Potrero Avenue", "Cesar Chavez Street", "Mission Bay Boulevard", "Embarcadero", "Lombard Street",
)  # fmt: skip
NEIGHBOURHOODS = (
    "Financial District", "Mission District", "Sunset District", "Richmond District", "Nob Hill", "North Beach",
    "SoMa", "Potrero Hill", "Bernal Heights", "Noe Valley", "Marina District", "Pacific Heights",
)  # fmt: skip
BAD_ROW_SHARE = 0.005


def zones(count: int, seed: int) -> list[tuple[int, str, float, float]]:
    """(Movement ID, display name, x km, y km) for ``count`` zones of one city."""
    rng = random.Random(f"zones-{seed}")
    found = []
    for movement_id in range(1, count + 1):
        street, hood = rng.choice(STREETS), rng.choice(NEIGHBOURHOODS)
        name = f"{rng.randrange(1, 3000, 2)} {street}, {hood}, San Francisco"
        found.append((movement_id, name, rng.uniform(0, 12), rng.uniform(0, 12)))
    return found


def date_range(first: date, days: int) -> str:
    last = first + timedelta(days=days - 1)
    return f"{first.month}/{first.day}/{first.year} - {last.month}/{last.day}/{last.year}, Every day, Daily Average"


def rows(count: int, seed: int = 0, zone_count: int = 120) -> Iterator[dict[str, str]]:
    """``count`` rows of the export, each a dict keyed by the CSV's column names."""
    rng = random.Random(f"rows-{seed}")
    city = zones(zone_count, seed)
    month = date(2020, 1, 1)
    for _ in range(count):
        (o_id, o_name, ox, oy), (d_id, d_name, dx, dy) = rng.sample(city, 2)
        first = month.replace(month=rng.randint(1, 12))
        days = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - first).days  # the whole month
        km = math.hypot(ox - dx, oy - dy) * 1.3  # streets, not a straight line
        mean = 60 + km * rng.uniform(95, 160)  # seconds: 22-38 km/h plus a minute
        lower, upper = mean * rng.uniform(0.6, 0.95), mean * rng.uniform(1.05, 1.6)
        row = {
            COLUMNS[0]: str(o_id),
            COLUMNS[1]: o_name,
            COLUMNS[2]: str(d_id),
            COLUMNS[3]: d_name,
            COLUMNS[4]: date_range(first, days),
            COLUMNS[5]: f"{mean:.2f}",
            COLUMNS[6]: f"{lower:.2f}",
            COLUMNS[7]: f"{upper:.2f}",
        }
        if rng.random() < BAD_ROW_SHARE:
            if rng.random() < 0.5:
                row[rng.choice(NUMBERS)] = ""
            else:  # the ISO form some re-exports use
                row[COLUMNS[4]] = f"{first.isoformat()} to {(first + timedelta(days=days - 1)).isoformat()}"
        yield row


def write_csv(out: io.TextIOBase, count: int, seed: int = 0) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    written = 0
    for row in rows(count, seed):
        writer.writerow(row)
        written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.sources.uber_movement.travel_times", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="CSV file to write (default: standard output)")
    args = parser.parse_args(argv)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            write_csv(out, args.rows, args.seed)
    else:
        write_csv(sys.stdout, args.rows, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

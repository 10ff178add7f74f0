"""The sample travel-times CSV: the export's columns, consistent numbers, and a few untypable rows."""

from __future__ import annotations

import csv
import io
import re

from local.sources.uber_movement.travel_times import COLUMNS, main, rows, write_csv

DATE_RANGE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) - (\d{1,2})/(\d{1,2})/(\d{4}), Every day, Daily Average")


def test_rows_carry_the_exports_columns_and_consistent_travel_times():
    generated = list(rows(4_000, seed=7))
    assert all(tuple(row) == COLUMNS for row in generated)
    good = [r for r in generated if DATE_RANGE.fullmatch(r["Date Range"]) and all(r[c] for c in COLUMNS[5:])]
    bad = [r for r in generated if r not in good]
    assert 5 <= len(bad) <= 40  # about one in two hundred
    assert {"empty number", "other date form"} == {
        "empty number" if any(not r[c] for c in COLUMNS[5:]) else "other date form" for r in bad
    }
    for row in good:
        lower, mean, upper = (float(row[c]) for c in (COLUMNS[6], COLUMNS[5], COLUMNS[7]))
        assert 0 < lower <= mean <= upper
        assert row["Origin Movement ID"] != row["Destination Movement ID"]
        assert row["Origin Display Name"].endswith(", San Francisco")
    assert len({r["Origin Movement ID"] for r in generated}) > 100


def test_the_same_seed_gives_the_same_bytes_and_the_cli_writes_a_csv(tmp_path, capsys):
    first, second = io.StringIO(), io.StringIO()
    assert write_csv(first, 50, seed=3) == 50
    write_csv(second, 50, seed=3)
    assert first.getvalue() == second.getvalue()
    assert main(["--rows", "50", "--seed", "3", "--out", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text() == first.getvalue()
    parsed = list(csv.DictReader(io.StringIO(first.getvalue())))
    assert len(parsed) == 50 and tuple(parsed[0]) == COLUMNS

"""The web hits Glue script's logic on hand-built hours, on one Spark session: which hour a hit
belongs to, what is rejected and why, what the report counts and what the quarantine keeps,
expected values written out here. The whole job, through the DAG and Athena, is
tests/dags/test_web_hits_pipeline.py's."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import functions as F

pytestmark = pytest.mark.spark

H = datetime(2023, 3, 10, 8, tzinfo=UTC)
UA = "Mozilla/5.0 (X11; Linux x86_64)"


def hit(country: str, domain: str, group: object, timestamp: str | None) -> str:
    fields = {"GroupID": group, "CountryCode": country, "UserAgent": UA, "Language": "nl-BE", "Domain": domain}
    if timestamp is not None:
        fields["Timestamp"] = timestamp
    return json.dumps(fields, ensure_ascii=False)


FILES = {
    "hour=07/minute=59/a.json": [hit("US", "a.com", 1, "2023-03-10T08:00:00.500Z")],  # written a folder early
    "hour=08/minute=00/a.json": [hit("BE", "a.com", 1, "2023-03-10T08:00:00.000Z")],  # first instant of H
    "hour=08/minute=30/a.json": [
        hit("BE", "b.com", 2, "2023-03-10T10:30:00.000+02:00"),  # 08:30 UTC: H
        '{"GroupID": 1, "Domain": "a.com"',  # not JSON
        hit("FR", "a.com", 1, None),  # no Timestamp
        hit("FR", "a.com", "abc", "2023-03-10T08:31:00Z"),  # GroupID of the wrong type
        "",  # an empty line
        hit("FR", "a.com", 1, "yesterday"),
        hit("FR", "a.com", 1, "2023-03-10T08:10:00+02:00"),  # 06:10 UTC: two hours from its folder
    ],
    "hour=08/minute=59/a.json": [hit("DE", "c.com", 3, "2023-03-10T09:00:00.000Z")],  # first instant of H+1
    "hour=09/minute=00/a.json": [hit("DE", "c.com", 3, "2023-03-10T09:00:00.000Z")],
}


def write(root: Path, files: dict[str, bytes]) -> dict[datetime, list[str]]:
    """The files under ``root`` as the job lists them: each folder hour's paths."""
    paths: dict[datetime, list[str]] = {}
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        folder = H.replace(hour=int(name.split("/")[0].removeprefix("hour=")))
        paths.setdefault(folder, []).append(f"file://{path}")  # as Spark names it (no %-escapes)
    return paths


def around(paths: dict[datetime, list[str]], hour: datetime) -> dict[datetime, list[str]]:
    """The three folders the job reads for ``hour``."""
    return {folder: paths.get(folder, []) for folder in (hour - timedelta(hours=1), hour, hour + timedelta(hours=1))}


def hit_counts(summary, *columns: str) -> dict[tuple, int]:
    rows = summary.filter(F.col("kind") == "hit").groupBy(*columns).agg(F.sum("n").alias("n")).collect()
    return {tuple(row[c] for c in columns): row["n"] for row in rows}


def test_hits_belong_to_their_utc_hour_and_bad_lines_are_rejected_with_their_reason(spark, web_hits_job, tmp_path):
    job = web_hits_job
    paths = write(tmp_path, {name: ("\n".join(lines) + "\n").encode() for name, lines in FILES.items()})
    summary = job.summarize(job.classify(job.read_lines(spark, around(paths, H))), H)
    figures = job.figures(summary)
    assert figures == {
        "hits_counted": 3,
        "hits_from_hour_folder": 2,  # the third was written in 07's folder
        "lines_of_other_hours": 1,  # 09:00:00.000, in H's folder
        "rejected_by_reason": {
            "not a JSON object with the expected field types": 2,
            "missing Timestamp": 1,
            "empty line": 1,
            "Timestamp is not ISO-8601": 1,
            "Timestamp more than an hour from its folder": 1,
        },
        "rejected": 6,
    }
    lines = job.count_lines(spark, paths[H])
    assert lines == 9 == figures["hits_from_hour_folder"] + figures["lines_of_other_hours"] + figures["rejected"]
    assert hit_counts(summary, "CountryCode") == {("BE",): 2, ("US",): 1}
    assert hit_counts(summary, "Domain", "GroupID") == {("a.com", 1): 2, ("b.com", 2): 1}
    assert hit_counts(summary, "UserAgent") == {(UA,): 3}

    # H+1 gets both hits at 09:00:00.000, the one written in H's folder too; H's rejects are not its.
    after = H + timedelta(hours=1)
    later = job.figures(job.summarize(job.classify(job.read_lines(spark, around(paths, after))), after))
    assert (later["hits_counted"], later["rejected"]) == (2, 0)


def test_every_line_is_a_hit_or_rejected_once_whatever_its_bytes(spark, web_hits_job, tmp_path):
    """Invalid UTF-8, a byte order mark, NUL and CRLF line ends: each line counted or quarantined
    with its reason, never both, never neither, and the quarantine keeps its exact bytes."""
    job, at = web_hits_job, "2023-03-10T08:10:00Z"
    valid = hit("BE", "a.com", 1, at).encode()
    lines = [
        valid,
        hit("BE", "b\udcff.com", 1, at).encode("utf-8", "surrogateescape"),  # the byte 0xff in Domain
        hit("FR", "café.fr", 1, at).encode("latin-1"),
        b"\xef\xbb\xbf" + hit("BE", "bom.com", 1, at).encode(),  # a UTF-8 byte order mark first
        hit("FR", "café.com", 1, at).encode(),
        valid.replace(b", ", b",\x00 ", 1),  # a NUL between two fields
    ]
    crlf = [hit("DE", "a.com", 1, at).encode(), hit("DE", "a.com", 1, at).encode()]
    paths = write(
        tmp_path,
        {
            "hour=08/minute=10/a.json": b"\n".join(lines) + b"\n",
            "hour=08/minute=11/b.json": b"\r\n".join(crlf) + b"\r\n",
        },
    )
    summary = job.summarize(job.classify(job.read_lines(spark, around(paths, H))), H)
    figures = job.figures(summary)
    assert (figures["hits_counted"], figures["rejected"]) == (5, 3)
    assert figures["rejected_by_reason"] == {"not UTF-8 text": 2, "not a JSON object with the expected field types": 1}
    assert job.count_lines(spark, paths[H]) == 8
    assert hit_counts(summary, "Domain", "GroupID") == {("a.com", 1): 3, ("bom.com", 1): 1, ("café.com", 1): 1}
    kept = sorted(
        (base64.b64decode(q["line_base64"]) if q["line_base64"] else q["line"].encode(), q["reason"])
        for q in job.quarantine_lines(summary).collect()
    )
    assert kept == sorted(
        [
            (lines[1], "not UTF-8 text"),
            (lines[2], "not UTF-8 text"),
            (lines[5], "not a JSON object with the expected field types"),
        ]
    )

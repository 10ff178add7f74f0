"""The web hits Glue job on hand-built hours, through the DAG (the provider's GlueJobOperator
against the local Glue): which hour a hit belongs to, what is rejected and why, expected
counts written out here."""

from __future__ import annotations

import base64
import json

import pendulum
import pytest
from airflow.utils.state import DagRunState

from pipelines.settings import SETTINGS
from tests.support.athena import athena_rows
from tests.support.dag_runner import returned_value

pytestmark = pytest.mark.spark

H = "2023-03-10T08"
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


def land(local_aws) -> None:
    s3 = local_aws.client("s3")
    for path, lines in FILES.items():
        key = f"web_hits/year=2023/month=03/day=10/{path}"
        s3.put_object(Bucket=SETTINGS.raw_bucket, Key=key, Body=("\n".join(lines) + "\n").encode())


def run(dagbag, hour: str):
    result = dagbag.get_dag("web_hits_hourly").test(logical_date=pendulum.now("UTC"), run_conf={"hour": hour})
    assert result.state == DagRunState.SUCCESS
    return returned_value("web_hits_hourly", "check_hour", result.run_id)


def counts(local_aws, table: str, hour: str, keys: tuple[str, ...]) -> dict[tuple, int]:
    where = f"year = '{hour[0:4]}' AND month = '{hour[5:7]}' AND day = '{hour[8:10]}' AND hour = '{hour[11:13]}'"
    rows = athena_rows(local_aws, f"SELECT * FROM {table} WHERE {where}", database=SETTINGS.aggregated_database)
    return {tuple(row[key] for key in keys): row["hit_count"] for row in rows}


def test_hits_belong_to_their_utc_hour_and_bad_lines_are_rejected_with_their_reason(local_aws, dagbag):
    land(local_aws)
    checked = run(dagbag, H)
    assert checked["hits_counted"] == 3
    assert checked["rejected_by_reason"] == {
        "not a JSON object with the expected field types": 2,
        "missing Timestamp": 1,
        "empty line": 1,
        "Timestamp is not ISO-8601": 1,
        "Timestamp more than an hour from its folder": 1,
    }
    assert checked["rows"] == {"hits_by_country": 2, "hits_by_domain_and_groupid": 2, "hits_by_useragent": 1}
    assert counts(local_aws, "hits_by_country", H, ("country_code",)) == {("BE",): 2, ("US",): 1}
    assert counts(local_aws, "hits_by_domain_and_groupid", H, ("domain", "group_id")) == {
        ("a.com", 1): 2,
        ("b.com", 2): 1,
    }
    assert counts(local_aws, "hits_by_useragent", H, ("user_agent",)) == {(UA,): 3}

    # H+1 gets both hits at 09:00:00.000, the one written in H's folder too.
    after = run(dagbag, "2023-03-10T09")
    assert (after["hits_counted"], after["rejected"]) == (2, 0)
    assert counts(local_aws, "hits_by_country", "2023-03-10T09", ("country_code",)) == {("DE",): 2}


def test_every_line_is_a_hit_or_rejected_once_whatever_its_bytes(local_aws, dagbag):
    """Invalid UTF-8, a byte order mark, NUL and CRLF line ends: each line counted or quarantined
    with its reason, never both, never neither."""
    hour, at = "2024-07-02T08", "2024-07-02T08:10:00Z"
    valid = hit("BE", "a.com", 1, at).encode()
    lines = [
        valid,
        hit("BE", "b\udcff.com", 1, at).encode("utf-8", "surrogateescape"),  # the byte 0xff in Domain
        hit("FR", "café.fr", 1, at).encode("latin-1"),
        b"\xef\xbb\xbf" + hit("BE", "bom.com", 1, at).encode(),  # a UTF-8 byte order mark first
        hit("FR", "café.com", 1, at).encode(),
        valid.replace(b", ", b",\x00 ", 1),  # a NUL between two fields
    ]
    s3 = local_aws.client("s3")
    folder = "web_hits/year=2024/month=07/day=02/hour=08"
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key=f"{folder}/minute=10/a.json", Body=b"\n".join(lines) + b"\n")
    crlf = [hit("DE", "a.com", 1, at).encode(), hit("DE", "a.com", 1, at).encode()]
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key=f"{folder}/minute=11/b.json", Body=b"\r\n".join(crlf) + b"\r\n")

    checked = run(dagbag, hour)
    assert (checked["hits_counted"], checked["rejected"]) == (5, 3)
    assert checked["rejected_by_reason"] == {
        "not UTF-8 text": 2,
        "not a JSON object with the expected field types": 1,
    }
    assert counts(local_aws, "hits_by_domain_and_groupid", hour, ("domain", "group_id")) == {
        ("a.com", 1): 3,
        ("bom.com", 1): 1,
        ("café.com", 1): 1,
    }
    quarantined = [
        json.loads(line)
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=SETTINGS.raw_bucket, Prefix="web_hits/_quarantine/year=2024/month=07/day=02/hour=08/"
        )
        for item in page.get("Contents", [])
        for line in s3.get_object(Bucket=SETTINGS.raw_bucket, Key=item["Key"])["Body"].read().splitlines()
    ]
    kept = sorted(
        (base64.b64decode(q["line_base64"]) if "line_base64" in q else q["line"].encode(), q["reason"])
        for q in quarantined
    )
    assert kept == sorted(
        [
            (lines[1], "not UTF-8 text"),
            (lines[2], "not UTF-8 text"),
            (lines[5], "not a JSON object with the expected field types"),
        ]
    )

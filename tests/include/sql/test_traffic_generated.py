"""Generated Firehose traffic, crawled by the local Glue crawler, processed by the traffic SQL on the local
Athena, and compared row by row with the independent Python computation of tests/support/traffic_reference.py.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

import pytest

from local.sources import traffic as feed
from pipelines.settings import SETTINGS
from tests.support.traffic_reference import COLUMNS, expected_rows, records_of, same
from tests.support.traffic_sql import Traffic

DAY = date(2020, 7, 14)  # a Tuesday: rush hours with jams


def crawl(aws, name: str, path: str, table_prefix: str) -> None:
    glue = aws.client("glue")
    glue.create_crawler(
        Name=name,
        Role=SETTINGS.glue_role,
        DatabaseName=SETTINGS.raw_database,
        TablePrefix=table_prefix,
        Targets={"S3Targets": [{"Path": path}]},
    )
    glue.start_crawler(Name=name)
    deadline = time.monotonic() + 120
    while (crawler := glue.get_crawler(Name=name)["Crawler"])["State"] != "READY":
        assert time.monotonic() < deadline, "crawler did not finish"
        time.sleep(0.05)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"].get("ErrorMessage")


@pytest.fixture(scope="module")
def generated_day(local_aws):
    """D-1..D+1 of generated traffic in the raw bucket, crawled; the ETL run for D."""
    uid = uuid.uuid4().hex[:8]
    prefix = f"generated-{uid}/traffic/"
    deliveries = feed.generate(DAY - timedelta(days=1), DAY + timedelta(days=1), seed=5, detector_count=6)
    objects = list(feed.firehose_objects(deliveries, seed=5, buffer_seconds=900, prefix=prefix))
    feed.write_objects(local_aws.client("s3"), SETTINGS.raw_bucket, objects)
    crawl(local_aws, f"traffic-{uid}", f"s3://{SETTINGS.raw_bucket}/{prefix}", f"gen_{uid}_")
    return Traffic(local_aws, uid=uid, raw_prefix=prefix), objects


def test_crawled_raw_table_has_the_firehose_shape(local_aws, generated_day):
    traffic, _ = generated_day
    # The crawler names the table after the folder.
    table = local_aws.client("glue").get_table(DatabaseName=SETTINGS.raw_database, Name=f"gen_{traffic.uid}_traffic")
    table = table["Table"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["partition_0", "partition_1", "partition_2", "partition_3"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == list(feed.FIELDS)
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"


def test_sql_matches_the_reference_computation_on_a_generated_day(generated_day):
    traffic, objects = generated_day
    traffic.run_etl()
    actual = traffic.processed()
    expected = expected_rows(records_of(objects), DAY)

    assert len(actual) == len(expected) > 6 * 1300
    assert [(r["uniqueid"], r["recordtimestamp"]) for r in actual] == [
        (r["uniqueid"], r["recordtimestamp"]) for r in expected
    ]
    mismatches = [(a, e) for a, e in zip(actual, expected, strict=True) if not same(a, e)]
    assert mismatches == []
    # The day exercises every branch: jams, free flow, no speed at all, both speed jumps.
    seen = {c: {r[c] for r in expected} for c in ("trafficjamindicator", "speeddiffindicator")}
    assert seen == {"trafficjamindicator": {-1, 0, 1}, "speeddiffindicator": {-1, 0, 1}}
    assert any(r["currentspeed"] is None for r in expected)
    assert set(COLUMNS) <= set(actual[0])

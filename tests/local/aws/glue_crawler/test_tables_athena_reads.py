"""Tables the local crawler writes are the tables the local Athena reads: crawl, then query."""

from __future__ import annotations

import gzip
import json
import time
import uuid

from local import athena_queries
from pipelines.settings import SETTINGS

BUCKET = SETTINGS.raw_bucket


def query(athena, sql: str, database: str) -> list[list[str | None]]:
    execution = athena_queries.run(athena, sql, database, SETTINGS.athena_workgroup, timeout=60)
    return athena_queries.result_rows(athena, execution["QueryExecutionId"])[1]


def test_crawled_firehose_json_and_csv_are_queryable_in_athena(local_aws):
    s3, glue, athena = local_aws.client("s3"), local_aws.client("glue"), local_aws.client("athena")
    uid = uuid.uuid4().hex[:8]
    database = f"crawl_athena_{uid}"
    glue.create_database(DatabaseInput={"Name": database})
    for hour, speeds in (("13", [10, 20, 30]), ("14", [5, 15])):
        body = "".join(json.dumps({"vin": f"V{s}", "speed": s}) + "\n" for s in speeds).encode()
        s3.put_object(Bucket=BUCKET, Key=f"{uid}/traffic/2026/03/01/{hour}/f-{hour}.gz", Body=gzip.compress(body))
    s3.put_object(Bucket=BUCKET, Key=f"{uid}/prices/a.csv", Body=b"id,product,price\n1,tea,2.5\n2,milk,1\n")
    glue.create_crawler(
        Name=f"athena-{uid}",
        Role=SETTINGS.glue_role,
        DatabaseName=database,
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{uid}/traffic/"}, {"Path": f"s3://{BUCKET}/{uid}/prices/"}]},
    )
    glue.start_crawler(Name=f"athena-{uid}")
    deadline = time.monotonic() + 30
    while (crawler := glue.get_crawler(Name=f"athena-{uid}")["Crawler"])["State"] != "READY":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"

    by_hour = query(
        athena,
        "SELECT partition_3, count(*), sum(speed) FROM traffic WHERE partition_0 = '2026' GROUP BY 1 ORDER BY 1",
        database,
    )
    assert by_hour == [["13", "3", "60"], ["14", "2", "20"]]
    # The header line is skipped through the crawler's skip.header.line.count.
    assert query(athena, "SELECT product, price * 2 FROM prices ORDER BY id", database) == [
        ["tea", "5.0"],
        ["milk", "2.0"],
    ]

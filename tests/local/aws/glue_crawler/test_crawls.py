"""The local Glue crawler through boto3: real schema and partition inference into the catalog."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import duckdb
import pytest
from botocore.exceptions import ClientError

from local.aws.credentials import local_client
from local.aws.glue_crawler import crawl as crawl_module
from pipelines.settings import SETTINGS

ROLE = SETTINGS.glue_role
BUCKET = SETTINGS.raw_bucket


@pytest.fixture
def glue(local_aws):
    return local_aws.client("glue")


@pytest.fixture
def s3(local_aws):
    return local_aws.client("s3")


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def database(glue, uid) -> Iterator[str]:
    name = f"crawl_{uid}"
    glue.create_database(DatabaseInput={"Name": name})
    yield name


def put_json_lines(s3, key: str, records: list[dict], compress: bool = False) -> None:
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    s3.put_object(Bucket=BUCKET, Key=key, Body=gzip.compress(body) if compress else body)


def create_crawler(glue, name: str, database: str, paths: list[str], **extra) -> None:
    targets = [{"Path": p} if isinstance(p, str) else p for p in paths]
    glue.create_crawler(Name=name, Role=ROLE, DatabaseName=database, Targets={"S3Targets": targets}, **extra)


def run_crawler(glue, name: str, timeout: float = 30) -> dict:
    glue.start_crawler(Name=name)
    return wait_ready(glue, name, timeout)


def wait_ready(glue, name: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        crawler = glue.get_crawler(Name=name)["Crawler"]
        if crawler["State"] == "READY":
            return crawler
        assert time.monotonic() < deadline, f"crawler {name} still {crawler['State']}"
        time.sleep(0.02)


def columns(table: dict) -> list[tuple[str, str]]:
    return [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]


def partitions(glue, database: str, table: str) -> dict[tuple[str, ...], dict]:
    found = glue.get_partitions(DatabaseName=database, TableName=table)["Partitions"]
    return {tuple(p["Values"]): p for p in found}


def test_json_lines_in_hive_partitions_make_a_partitioned_table(glue, s3, uid, database):
    root = f"{uid}/events"
    put_json_lines(
        s3,
        f"{root}/year=2026/month=03/day=01/part-0.json",
        [
            {"id": 1, "user": {"name": "ann", "age": 31}, "tags": ["a"], "amount": 3, "note": None},
            {"id": 2, "user": {"name": "bob", "age": 40}, "tags": [], "amount": 4, "note": None},
        ],
    )
    put_json_lines(
        s3,
        f"{root}/year=2026/month=03/day=02/part-0.json",
        [
            # id needs 64 bits, amount is fractional, user gains a field: all widen the table.
            {"id": 5_000_000_000, "user": {"name": "cy", "vip": True}, "tags": ["b", "c"], "amount": 2.5},
            {"id": 7, "user": {"name": "di"}, "tags": ["d"], "amount": 1, "note": "late", "Flag": False},
        ],
    )
    create_crawler(glue, f"events-{uid}", database, [f"s3://{BUCKET}/{root}/"])

    crawler = run_crawler(glue, f"events-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert "ErrorMessage" not in crawler["LastCrawl"]
    table = glue.get_table(DatabaseName=database, Name="events")["Table"]
    assert columns(table) == [
        ("id", "bigint"),
        ("user", "struct<name:string,age:int,vip:boolean>"),
        ("tags", "array<string>"),
        ("amount", "double"),
        ("note", "string"),
        ("flag", "boolean"),
    ]
    assert table["PartitionKeys"] == [
        {"Name": "year", "Type": "string"},
        {"Name": "month", "Type": "string"},
        {"Name": "day", "Type": "string"},
    ]
    assert table["TableType"] == "EXTERNAL_TABLE"
    sd = table["StorageDescriptor"]
    assert sd["Location"] == f"s3://{BUCKET}/{root}/"
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["OutputFormat"] == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    assert sd["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert sd["SerdeInfo"]["Parameters"] == {"paths": "Flag,amount,id,note,tags,user"}
    params = table["Parameters"]
    sizes = [o["Size"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=root)["Contents"]]
    assert {k: params[k] for k in ("classification", "typeOfData", "compressionType")} == {
        "classification": "json",
        "typeOfData": "file",
        "compressionType": "none",
    }
    assert params["recordCount"] == "4"
    assert params["objectCount"] == "2"
    assert params["sizeKey"] == str(sum(sizes))
    assert params["averageRecordSize"] == str(round(sum(sizes) / 4))
    assert params["UPDATED_BY_CRAWLER"] == f"events-{uid}"

    parts = partitions(glue, database, "events")
    assert set(parts) == {("2026", "03", "01"), ("2026", "03", "02")}
    day2 = parts[("2026", "03", "02")]
    assert day2["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/{root}/year=2026/month=03/day=02/"
    assert day2["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert day2["Parameters"]["recordCount"] == "2"
    assert day2["Parameters"]["objectCount"] == "1"


def test_unnamed_folders_of_a_firehose_layout_become_partition_n_keys(glue, s3, uid, database):
    root = f"{uid}/firehose-out"
    for hour, n in (("13", 3), ("14", 2)):
        key = f"{root}/2026/03/01/{hour}/stream-1-2026-03-01-{hour}-00-00-{uid}.gz"
        put_json_lines(s3, key, [{"vin": f"V{i}", "speed": i * 10} for i in range(n)], compress=True)
    create_crawler(glue, f"firehose-{uid}", database, [f"s3://{BUCKET}/{root}"])

    crawler = run_crawler(glue, f"firehose-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName=database, Name="firehose_out")["Table"]
    assert columns(table) == [("vin", "string"), ("speed", "int")]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["partition_0", "partition_1", "partition_2", "partition_3"]
    assert {k["Type"] for k in table["PartitionKeys"]} == {"string"}
    assert table["Parameters"]["compressionType"] == "gzip"
    assert table["Parameters"]["recordCount"] == "5"
    assert table["StorageDescriptor"]["Compressed"] is True
    parts = partitions(glue, database, "firehose_out")
    assert set(parts) == {("2026", "03", "01", "13"), ("2026", "03", "01", "14")}
    assert parts[("2026", "03", "01", "14")]["StorageDescriptor"]["Location"] == (
        f"s3://{BUCKET}/{root}/2026/03/01/14/"
    )


def test_parquet_schema_comes_from_the_file_footer(glue, s3, uid, database, tmp_path):
    path = tmp_path / "part-0.parquet"
    duckdb.sql(
        "COPY (SELECT i::INTEGER AS id, i * 10_000_000_000 AS big, i / 4 AS ratio, 'n' || i AS name,"
        " i % 2 = 0 AS even, [i, i + 1] AS pair, {'x': i, 'label': 'l'} AS point,"
        " (i * 1.25)::DECIMAL(10, 2) AS price, DATE '2026-03-01' + i::INTEGER AS day,"
        " TIMESTAMP '2026-03-01 10:00:00' AS ts FROM range(7) t(i))"
        f" TO '{path}' (FORMAT parquet, COMPRESSION snappy)"
    )
    s3.put_object(Bucket=BUCKET, Key=f"{uid}/trips/dt=2026-03-01/part-0.parquet", Body=path.read_bytes())
    create_crawler(glue, f"trips-{uid}", database, [f"s3://{BUCKET}/{uid}/trips/"])

    crawler = run_crawler(glue, f"trips-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName=database, Name="trips")["Table"]
    assert columns(table) == [
        ("id", "int"),
        ("big", "bigint"),
        ("ratio", "double"),
        ("name", "string"),
        ("even", "boolean"),
        ("pair", "array<bigint>"),
        ("point", "struct<x:bigint,label:string>"),
        ("price", "decimal(10,2)"),
        ("day", "date"),
        ("ts", "timestamp"),
    ]
    sd = table["StorageDescriptor"]
    assert sd["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    assert sd["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert sd["OutputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    assert table["Parameters"]["classification"] == "parquet"
    assert table["Parameters"]["recordCount"] == "7"
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert set(partitions(glue, database, "trips")) == {("2026-03-01",)}


def test_csv_header_is_detected_and_typed_columns_follow_it(glue, s3, uid, database):
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{uid}/prices/a.csv",
        Body=b"id,product,price,active\n1,tea,2.5,true\n2,coffee,3,false\n3,,4.75,true\n",
    )
    s3.put_object(Bucket=BUCKET, Key=f"{uid}/prices/b.csv", Body=b"id,product,price,active\n4,milk,1,false\n")
    # All-string pipe-delimited rows: Glue cannot tell a header from data, so none is assumed.
    s3.put_object(Bucket=BUCKET, Key=f"{uid}/codes/c.txt", Body=b"code|label\nAB|alpha\nCD|gamma\n")
    create_crawler(glue, f"csv-{uid}", database, [f"s3://{BUCKET}/{uid}/prices", f"s3://{BUCKET}/{uid}/codes"])

    crawler = run_crawler(glue, f"csv-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    prices = glue.get_table(DatabaseName=database, Name="prices")["Table"]
    assert columns(prices) == [("id", "bigint"), ("product", "string"), ("price", "double"), ("active", "boolean")]
    sd = prices["StorageDescriptor"]
    assert sd["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        "Parameters": {"field.delim": ","},
    }
    assert prices["Parameters"]["skip.header.line.count"] == "1"
    assert prices["Parameters"]["classification"] == "csv"
    assert prices["Parameters"]["delimiter"] == ","
    assert prices["Parameters"]["recordCount"] == "4"
    assert prices["PartitionKeys"] == []
    codes = glue.get_table(DatabaseName=database, Name="codes")["Table"]
    assert columns(codes) == [("col0", "string"), ("col1", "string")]
    assert codes["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {"field.delim": "|"}
    assert "skip.header.line.count" not in codes["Parameters"]
    assert codes["Parameters"]["recordCount"] == "3"


def test_exclusions_markers_and_table_prefix(glue, s3, uid, database):
    root = f"{uid}/click-stream"
    put_json_lines(s3, f"{root}/day=1/a.json", [{"page": "/", "ms": 5}])
    put_json_lines(s3, f"{root}/day=2/a.json", [{"page": "/x", "ms": 7}])
    # Each of these would break or widen the schema if it were read.
    s3.put_object(Bucket=BUCKET, Key=f"{root}/day=2/b.tmp", Body=b"\x00\x01 not data")
    s3.put_object(Bucket=BUCKET, Key=f"{root}/day=3/notes.txt", Body=b"free text")
    put_json_lines(s3, f"{root}/archive/day=0/old.json", [{"page": 1, "legacy": True}])
    s3.put_object(Bucket=BUCKET, Key=f"{root}/day=2/_SUCCESS", Body=b"")
    s3.put_object(Bucket=BUCKET, Key=f"{root}/day=2/.a.json.crc", Body=b"crc")
    create_crawler(
        glue,
        f"clicks-{uid}",
        database,
        [{"Path": f"s3://{BUCKET}/{root}/", "Exclusions": ["**.tmp", "archive/**", "day=3"]}],
        TablePrefix="raw_",
    )

    crawler = run_crawler(glue, f"clicks-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"].get("ErrorMessage")
    table = glue.get_table(DatabaseName=database, Name="raw_click_stream")["Table"]
    assert columns(table) == [("page", "string"), ("ms", "int")]
    assert table["Parameters"]["objectCount"] == "2"
    assert set(partitions(glue, database, "raw_click_stream")) == {("1",), ("2",)}
    names = [t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]]
    assert names == ["raw_click_stream"]


def test_recrawl_adds_new_partitions_and_a_new_column(glue, s3, uid, database):
    root = f"{uid}/orders"
    put_json_lines(s3, f"{root}/dt=2026-03-01/a.json", [{"order_id": 1, "total": 10}])
    create_crawler(glue, f"orders-{uid}", database, [f"s3://{BUCKET}/{root}/"])
    run_crawler(glue, f"orders-{uid}")
    first = glue.get_table(DatabaseName=database, Name="orders")["Table"]
    assert columns(first) == [("order_id", "int"), ("total", "int")]
    metrics = glue.get_crawler_metrics(CrawlerNameList=[f"orders-{uid}"])["CrawlerMetricsList"][0]
    assert (metrics["TablesCreated"], metrics["TablesUpdated"]) == (1, 0)

    put_json_lines(s3, f"{root}/dt=2026-03-02/a.json", [{"order_id": 2, "total": 12.5, "coupon": "SPRING"}])
    put_json_lines(s3, f"{root}/dt=2026-03-03/a.json", [{"order_id": 3, "total": 8}])
    crawler = run_crawler(glue, f"orders-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName=database, Name="orders")["Table"]
    assert columns(table) == [("order_id", "int"), ("total", "double"), ("coupon", "string")]
    parts = partitions(glue, database, "orders")
    assert set(parts) == {("2026-03-01",), ("2026-03-02",), ("2026-03-03",)}
    # The partition from the first crawl is left as it was.
    assert columns(parts[("2026-03-01",)]) == [("order_id", "int"), ("total", "int")]
    assert columns(parts[("2026-03-02",)]) == columns(table)
    metrics = glue.get_crawler_metrics(CrawlerNameList=[f"orders-{uid}"])["CrawlerMetricsList"][0]
    assert (metrics["TablesCreated"], metrics["TablesUpdated"]) == (0, 1)
    crawls = glue.list_crawls(CrawlerName=f"orders-{uid}")["Crawls"]
    assert [c["State"] for c in crawls] == ["COMPLETED", "COMPLETED"]


def test_list_crawls_pages_as_glue_does_20_by_default_up_to_1000(glue, s3, database, uid):
    name = f"listed-{uid}"
    put_json_lines(s3, f"listed/{uid}/a.json", [{"n": 1}])
    create_crawler(glue, name, database, [f"s3://{BUCKET}/listed/{uid}/"])
    for _ in range(21):
        run_crawler(glue, name)

    first = glue.list_crawls(CrawlerName=name)
    rest = glue.list_crawls(CrawlerName=name, NextToken=first["NextToken"])
    assert (len(first["Crawls"]), len(rest["Crawls"]), "NextToken" in rest) == (20, 1, False)
    assert len({c["CrawlId"] for c in first["Crawls"] + rest["Crawls"]}) == 21
    pages, request = [], {"CrawlerName": name, "MaxResults": 8}
    while True:
        page = glue.list_crawls(**request)
        pages.append(len(page["Crawls"]))
        if "NextToken" not in page:
            break
        request["NextToken"] = page["NextToken"]
    assert pages == [8, 8, 5]
    assert len(glue.list_crawls(CrawlerName=name, MaxResults=1000)["Crawls"]) == 21
    with pytest.raises(ClientError) as refused:
        glue.list_crawls(CrawlerName=name, MaxResults=1001)
    assert refused.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize(
    "policy",
    [
        {"SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}},
        {
            "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
            "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        },
    ],
    ids=["log", "new-folders-only"],
)
def test_log_and_new_folders_only_keep_the_schema_but_add_partitions(glue, s3, uid, database, policy):
    root = f"{uid}/readings"
    put_json_lines(s3, f"{root}/h=1/a.json", [{"v": 1}])
    create_crawler(glue, f"readings-{uid}", database, [f"s3://{BUCKET}/{root}/"], **policy)
    run_crawler(glue, f"readings-{uid}")
    put_json_lines(s3, f"{root}/h=2/a.json", [{"v": 2.5, "extra": "x"}])

    run_crawler(glue, f"readings-{uid}")

    table = glue.get_table(DatabaseName=database, Name="readings")["Table"]
    assert columns(table) == [("v", "int")]
    assert table["VersionId"] == "1"
    assert set(partitions(glue, database, "readings")) == {("1",), ("2",)}


def test_merge_new_columns_keeps_types_and_renamed_partition_keys_survive(glue, s3, uid, database):
    root = f"{uid}/meters"
    put_json_lines(s3, f"{root}/2026/a.json", [{"v": 1}])
    name = f"meters-{uid}"
    config = {"Version": 1.0, "CrawlerOutput": {"Tables": {"AddOrUpdateBehavior": "MergeNewColumns"}}}
    create_crawler(glue, name, database, [f"s3://{BUCKET}/{root}/"], Configuration=json.dumps(config))
    run_crawler(glue, name)
    # A user renames partition_0, as the Glue console lets one do.
    table = glue.get_table(DatabaseName=database, Name="meters")["Table"]
    renamed = {k: table[k] for k in ("Name", "StorageDescriptor", "TableType", "Parameters")}
    glue.update_table(
        DatabaseName=database, TableInput={**renamed, "PartitionKeys": [{"Name": "year", "Type": "string"}]}
    )
    # Only half the column names shared: a first crawl would split 2026/2027 into two tables,
    # but a table already catalogued at the root keeps growing.
    put_json_lines(s3, f"{root}/2027/a.json", [{"v": 2.5, "unit": "kWh"}])

    run_crawler(glue, name)

    table = glue.get_table(DatabaseName=database, Name="meters")["Table"]
    assert columns(table) == [("v", "int"), ("unit", "string")]
    assert table["PartitionKeys"] == [{"Name": "year", "Type": "string"}]
    assert set(partitions(glue, database, "meters")) == {("2026",), ("2027",)}


def test_sample_size_limits_the_files_read_per_folder(glue, s3, uid, database):
    put_json_lines(s3, f"{uid}/sampled/a.json", [{"k": 1}])
    put_json_lines(s3, f"{uid}/sampled/b.json", [{"k": 2, "only_in_b": True}])
    create_crawler(glue, f"sampled-{uid}", database, [{"Path": f"s3://{BUCKET}/{uid}/sampled/", "SampleSize": 1}])

    run_crawler(glue, f"sampled-{uid}")

    table = glue.get_table(DatabaseName=database, Name="sampled")["Table"]
    assert columns(table) == [("k", "int")]
    assert table["Parameters"]["objectCount"] == "2"


@pytest.fixture
def gate(monkeypatch) -> Iterator[Callable[[str], threading.Event]]:
    """Hold crawls at a step ('inspect' or 'write') until the returned event is set; its
    ``reached`` event is set once a crawl waits there."""
    events: list[threading.Event] = []

    def hold(step: str) -> threading.Event:
        release = threading.Event()
        release.reached = threading.Event()
        events.append(release)
        name = {"inspect": "_inspect", "write": "_write_table"}[step]
        original = getattr(crawl_module, name)

        def held(*args, **kwargs):
            release.reached.set()
            assert release.wait(10), "test never released the crawl"
            return original(*args, **kwargs)

        monkeypatch.setattr(crawl_module, name, held)
        return release

    yield hold
    for release in events:
        release.set()


def wait_state(glue, name: str, state: str) -> None:
    deadline = time.monotonic() + 10
    while glue.get_crawler(Name=name)["Crawler"]["State"] != state:
        assert time.monotonic() < deadline, f"crawler {name} never reached {state}"
        time.sleep(0.01)


def test_states_running_stopping_ready_and_running_exception(glue, s3, uid, database, gate):
    put_json_lines(s3, f"{uid}/gated/a.json", [{"k": 1}])
    name = f"gated-{uid}"
    create_crawler(glue, name, database, [f"s3://{BUCKET}/{uid}/gated/"])
    inspecting, writing = gate("inspect"), gate("write")

    glue.start_crawler(Name=name)
    crawler = glue.get_crawler(Name=name)["Crawler"]
    assert crawler["State"] == "RUNNING"
    assert "LastCrawl" not in crawler  # no finished crawl yet
    with pytest.raises(ClientError) as again:
        glue.start_crawler(Name=name)
    assert again.value.response["Error"]["Code"] == "CrawlerRunningException"
    with pytest.raises(ClientError) as update:
        glue.update_crawler(Name=name, TablePrefix="x_")
    assert update.value.response["Error"]["Code"] == "CrawlerRunningException"

    inspecting.set()
    wait_state(glue, name, "STOPPING")
    writing.set()
    crawler = wait_ready(glue, name)

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert crawler["LastCrawl"]["LogGroup"] == "/aws-glue/crawlers"
    assert crawler["LastCrawl"]["LogStream"] == name
    assert columns(glue.get_table(DatabaseName=database, Name="gated")["Table"]) == [("k", "int")]
    events = local_log_events(glue, name)
    assert any("Created table gated" in e for e in events)


def local_log_events(glue, name: str) -> list[str]:

    logs = local_client("logs", glue.meta.endpoint_url, glue.meta.region_name)
    found = logs.get_log_events(logGroupName="/aws-glue/crawlers", logStreamName=name)["events"]
    return [e["message"] for e in found]


def test_stop_crawler_cancels_the_crawl(glue, s3, uid, database, gate):
    put_json_lines(s3, f"{uid}/stopped/a.json", [{"k": 1}])
    name = f"stopped-{uid}"
    create_crawler(glue, name, database, [f"s3://{BUCKET}/{uid}/stopped/"])
    inspecting = gate("inspect")
    glue.start_crawler(Name=name)
    assert inspecting.reached.wait(10)  # the crawl is running, held before it reads the files

    glue.stop_crawler(Name=name)
    assert glue.get_crawler(Name=name)["Crawler"]["State"] == "STOPPING"
    inspecting.set()
    crawler = wait_ready(glue, name)

    assert crawler["LastCrawl"]["Status"] == "CANCELLED"
    assert glue.get_tables(DatabaseName=database)["TableList"] == []
    with pytest.raises(ClientError) as err:
        glue.stop_crawler(Name=name)
    assert err.value.response["Error"]["Code"] == "CrawlerNotRunningException"


def test_missing_database_fails_the_crawl_with_a_message(glue, s3, uid):
    put_json_lines(s3, f"{uid}/nodb/a.json", [{"k": 1}])
    create_crawler(glue, f"nodb-{uid}", f"missing_{uid}", [f"s3://{BUCKET}/{uid}/nodb/"])

    crawler = run_crawler(glue, f"nodb-{uid}")

    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert crawler["LastCrawl"]["ErrorMessage"] == f"Database missing_{uid} not found."


def test_unclassifiable_files_are_skipped_and_logged_with_their_key_and_true_line(glue, s3, uid, database):
    """As Glue does: a file no classifier reads is left out, the crawl goes on with the others."""
    put_json_lines(s3, f"{uid}/broken/a.json", [{"k": 1}])
    s3.put_object(Bucket=BUCKET, Key=f"{uid}/broken/b.json", Body=b'{"k": 2}\n{"k": oops}\n')
    # A truncated record: the parser gives up on the next line, the record began on line 1.
    s3.put_object(Bucket=BUCKET, Key=f"{uid}/broken/c.json", Body=b'{"k": 3, "v": \n{"k": 4}\n')
    name = f"broken-{uid}"
    create_crawler(glue, name, database, [f"s3://{BUCKET}/{uid}/broken/"])

    crawler = run_crawler(glue, name)

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName=database, Name="broken")["Table"]
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [("k", "int")]
    events = [e.split("] ", 1)[-1] for e in local_log_events(glue, name)]  # without the crawl id
    assert f"Skipped s3://{BUCKET}/{uid}/broken/b.json: malformed JSON at line 2: Expecting value" in events
    assert any(e.startswith(f"Skipped s3://{BUCKET}/{uid}/broken/c.json: malformed JSON at line 1:") for e in events)
    assert not any("/tmp/" in e or "local-aws" in e for e in events)  # S3 keys, never host paths


def test_a_folder_of_only_unclassifiable_files_writes_no_table_and_blocks_nothing(glue, s3, uid, database):
    s3.put_object(Bucket=BUCKET, Key=f"{uid}/poison/only/bad.json", Body=b"{not json\n")
    put_json_lines(s3, f"{uid}/poison/good/a.json", [{"k": 1}])
    name = f"poison-{uid}"
    create_crawler(glue, name, database, [f"s3://{BUCKET}/{uid}/poison/only/", f"s3://{BUCKET}/{uid}/poison/good/"])

    assert run_crawler(glue, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    assert [t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]] == ["good"]


def test_crawl_new_folders_only_reads_only_new_partition_folders(glue, s3, uid, database):
    root = f"{uid}/arrivals"
    put_json_lines(s3, f"{root}/2026/03/01/00/a.json", [{"k": 1}])
    name = f"newonly-{uid}"
    create_crawler(glue, name, database, [f"s3://{BUCKET}/{root}/"])
    glue.update_crawler(
        Name=name,
        RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    )
    assert run_crawler(glue, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    # A poison line lands in the known folder, a new folder arrives: only the new one is read.
    s3.put_object(Bucket=BUCKET, Key=f"{root}/2026/03/01/00/late.json", Body=b"{broken\n")
    put_json_lines(s3, f"{root}/2026/03/01/01/a.json", [{"k": 2}])

    assert run_crawler(glue, name)["LastCrawl"]["Status"] == "SUCCEEDED"

    partitions = glue.get_partitions(DatabaseName=database, TableName="arrivals")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["2026", "03", "01", "00"], ["2026", "03", "01", "01"]]
    events = [e.split("] ", 1)[-1] for e in local_log_events(glue, name)]
    assert "Table arrivals: 2 file(s) in known folders not read" in events  # a.json and late.json
    assert not any("late.json" in e for e in events)


def test_update_crawler_changes_what_the_next_crawl_does(glue, s3, uid, database):
    put_json_lines(s3, f"{uid}/upd/a.json", [{"k": 1}])
    name = f"upd-{uid}"
    create_crawler(glue, name, database, [f"s3://{BUCKET}/{uid}/upd/"])

    glue.update_crawler(Name=name, TablePrefix="v2_", Description="second")
    crawler = run_crawler(glue, name)

    assert (crawler["TablePrefix"], crawler["Description"], crawler["Version"]) == ("v2_", "second", 2)
    assert [t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]] == ["v2_upd"]


def test_dissimilar_sub_folders_become_separate_tables(glue, s3, uid, database, tmp_path):
    root = f"{uid}/aggregated"
    parquet = tmp_path / "c.parquet"
    duckdb.sql(f"COPY (SELECT 'NL' AS countrycode, 3::BIGINT AS hit_count) TO '{parquet}' (FORMAT parquet)")
    s3.put_object(Bucket=BUCKET, Key=f"{root}/hits_by_country/part-0.parquet", Body=parquet.read_bytes())
    put_json_lines(s3, f"{root}/hits-by-domain/a.json", [{"domain": "a.nl", "groupid": "g", "hit_count": 2}])
    put_json_lines(s3, f"{root}/hits_by_useragent/hour=01/a.json", [{"useragent": "curl", "hit_count": 1}])
    # Similar siblings (4 of 5 names shared) stay partitions of one table.
    put_json_lines(s3, f"{uid}/sensors/north/a.json", [{"id": 1, "t": 2, "h": 3, "p": 4}])
    put_json_lines(s3, f"{uid}/sensors/south/a.json", [{"id": 1, "t": 2, "h": 3, "p": 4, "wind": 5}])
    create_crawler(glue, f"agg-{uid}", database, [f"s3://{BUCKET}/{root}/", f"s3://{BUCKET}/{uid}/sensors/"])

    crawler = run_crawler(glue, f"agg-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"].get("ErrorMessage")
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert sorted(tables) == ["hits_by_country", "hits_by_domain", "hits_by_useragent", "sensors"]
    assert tables["hits_by_country"]["Parameters"]["classification"] == "parquet"
    assert columns(tables["hits_by_country"]) == [("countrycode", "string"), ("hit_count", "bigint")]
    assert tables["hits_by_country"]["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/{root}/hits_by_country/"
    assert columns(tables["hits_by_domain"]) == [("domain", "string"), ("groupid", "string"), ("hit_count", "int")]
    assert tables["hits_by_useragent"]["PartitionKeys"] == [{"Name": "hour", "Type": "string"}]
    assert set(partitions(glue, database, "hits_by_useragent")) == {("01",)}
    assert [k["Name"] for k in tables["sensors"]["PartitionKeys"]] == ["partition_0"]
    assert columns(tables["sensors"]) == [("id", "int"), ("t", "int"), ("h", "int"), ("p", "int"), ("wind", "int")]
    assert set(partitions(glue, database, "sensors")) == {("north",), ("south",)}


def test_table_level_configuration_sets_where_tables_start(glue, s3, uid, database):
    for table in ("orders", "returns"):
        put_json_lines(s3, f"{uid}/lake/{table}/dt=2026-03-01/a.json", [{"id": 1, "amount": 2}])
    create_crawler(
        glue,
        f"level-{uid}",
        database,
        [f"s3://{BUCKET}/{uid}/lake/"],
        # bucket = level 1, uid = 2, lake = 3: tables are the folders at level 4.
        Configuration=json.dumps({"Version": 1.0, "Grouping": {"TableLevelConfiguration": 4}}),
    )

    crawler = run_crawler(glue, f"level-{uid}")

    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert sorted(tables) == ["orders", "returns"]
    assert tables["returns"]["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/{uid}/lake/returns/"
    assert tables["returns"]["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]


def test_delete_behaviors_for_vanished_data(glue, s3, uid, database):
    for day in ("1", "2"):
        put_json_lines(s3, f"{uid}/gone/day={day}/a.json", [{"k": 1}])
    put_json_lines(s3, f"{uid}/kept/a.json", [{"k": 1}])
    create_crawler(
        glue,
        f"del-{uid}",
        database,
        [f"s3://{BUCKET}/{uid}/gone/"],
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DELETE_FROM_DATABASE"},
    )
    create_crawler(glue, f"dep-{uid}", database, [f"s3://{BUCKET}/{uid}/kept/"])
    run_crawler(glue, f"del-{uid}")
    run_crawler(glue, f"dep-{uid}")
    assert set(partitions(glue, database, "gone")) == {("1",), ("2",)}

    s3.delete_object(Bucket=BUCKET, Key=f"{uid}/gone/day=1/a.json")
    run_crawler(glue, f"del-{uid}")
    assert set(partitions(glue, database, "gone")) == {("2",)}

    s3.delete_object(Bucket=BUCKET, Key=f"{uid}/gone/day=2/a.json")
    s3.delete_object(Bucket=BUCKET, Key=f"{uid}/kept/a.json")
    run_crawler(glue, f"del-{uid}")
    run_crawler(glue, f"dep-{uid}")

    names = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert sorted(names) == ["kept"]  # DELETE_FROM_DATABASE dropped "gone"
    assert names["kept"]["Parameters"]["DEPRECATED_BY_CRAWLER"] == "1"  # the default deprecates
    metrics = {m["CrawlerName"]: m for m in glue.get_crawler_metrics()["CrawlerMetricsList"]}
    assert metrics[f"del-{uid}"]["TablesDeleted"] == 1


def test_same_table_name_at_another_location_gets_a_hash_suffix(glue, s3, uid, database):
    put_json_lines(s3, f"{uid}/a/data/x.json", [{"k": 1}])
    put_json_lines(s3, f"{uid}/b/data/x.json", [{"k": "s"}])
    create_crawler(glue, f"twins-{uid}", database, [f"s3://{BUCKET}/{uid}/a/data/", f"s3://{BUCKET}/{uid}/b/data/"])

    run_crawler(glue, f"twins-{uid}")

    second = f"s3://{BUCKET}/{uid}/b/data/"
    suffixed = f"data_{hashlib.md5(second.encode()).hexdigest()[:8]}"
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert sorted(tables) == sorted(["data", suffixed])
    assert tables["data"]["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/{uid}/a/data/"
    assert columns(tables[suffixed]) == [("k", "string")]


def test_missing_bucket_fails_the_crawl(glue, uid, database):
    create_crawler(glue, f"nobucket-{uid}", database, [f"s3://no-such-bucket-{uid}/x/"])

    crawler = run_crawler(glue, f"nobucket-{uid}")

    assert crawler["LastCrawl"]["Status"] == "FAILED"
    assert crawler["LastCrawl"]["ErrorMessage"] == f"S3 target s3://no-such-bucket-{uid}/x/: the bucket does not exist"

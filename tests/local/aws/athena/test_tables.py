"""Hive DDL, the Glue catalog, file formats, partition pruning and writes (CTAS, INSERT, UNLOAD)."""

from __future__ import annotations

import gzip
import json
import uuid

import duckdb
import pytest

from pipelines.settings import SETTINGS
from tests.support.athena import wait_for_query

RAW, LAKE = SETTINGS.raw_bucket, SETTINGS.lake_bucket
DB = SETTINGS.raw_database


def run_query(aws, sql: str, database: str = DB) -> dict:
    athena = aws.client("athena")
    qid = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}, WorkGroup=SETTINGS.athena_workgroup
    )["QueryExecutionId"]
    return wait_for_query(aws, qid, 60)


def ok(aws, sql: str, database: str = DB) -> dict:
    execution = run_query(aws, sql, database)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"].get("StateChangeReason")
    return execution


def rows(aws, sql: str, database: str = DB) -> list[list[str | None]]:
    execution = ok(aws, sql, database)
    result = aws.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])
    data = [[c.get("VarCharValue") for c in r["Data"]] for r in result["ResultSet"]["Rows"]]
    return data[1:] if execution["StatementType"] == "DML" else data


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def put(aws, bucket: str, key: str, body: bytes) -> int:
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return len(body)


def keys(aws, bucket: str, prefix: str) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def parquet_bytes(sql: str) -> bytes:
    con = duckdb.connect()
    path = f"/tmp/{uuid.uuid4().hex}.parquet"
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION snappy)")
    with open(path, "rb") as handle:
        return handle.read()


def test_external_json_table_with_msck_repair_and_malformed_lines(local_aws):
    table, prefix = unique("events"), unique("events")
    for day, ids in (("2024-01-01", [1, 2]), ("2024-01-02", [3])):
        body = jsonl([{"id": i, "name": f"n{i}", "tags": ["a", "b"], "pos": {"lat": 1.5}} for i in ids])
        put(local_aws, RAW, f"{prefix}/dt={day}/part-0.json", body + b"{not json\n")
    ok(
        local_aws,
        f"""CREATE EXTERNAL TABLE IF NOT EXISTS {table} (
              id bigint COMMENT 'event id', name string, tags array<string>, pos struct<lat:double>)
            PARTITIONED BY (dt string)
            ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
            WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
            LOCATION 's3://{RAW}/{prefix}/'
            TBLPROPERTIES ('classification' = 'json')""",
    )
    repaired = rows(local_aws, f"MSCK REPAIR TABLE {table}")
    assert repaired[1:] == [
        [f"Repair: Added partition to metastore {table}:dt=2024-01-01"],
        [f"Repair: Added partition to metastore {table}:dt=2024-01-02"],
    ]
    assert rows(local_aws, f"SHOW PARTITIONS {table}") == [["dt=2024-01-01"], ["dt=2024-01-02"]]
    # openx's ignore.malformed.json turns a broken line into a row of NULLs.
    assert rows(
        local_aws,
        f"SELECT dt, count(*), count(id), max(name), max(tags[2]), max(pos.lat) FROM {table} GROUP BY dt ORDER BY dt",
    ) == [
        ["2024-01-01", "3", "2", "n2", "b", "1.5"],
        ["2024-01-02", "2", "1", "n3", "b", "1.5"],
    ]

    glue = local_aws.client("glue").get_table(DatabaseName=DB, Name=table)["Table"]
    sd = glue["StorageDescriptor"]
    assert glue["TableType"] == "EXTERNAL_TABLE"
    assert glue["Parameters"]["EXTERNAL"] == "TRUE" and glue["Parameters"]["classification"] == "json"
    assert glue["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == [
        ("id", "bigint"),
        ("name", "string"),
        ("tags", "array<string>"),
        ("pos", "struct<lat:double>"),
    ]
    assert sd["Location"] == f"s3://{RAW}/{prefix}/"
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["SerdeInfo"] == {
        "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
        "Parameters": {"ignore.malformed.json": "true"},
    }
    parts = local_aws.client("glue").get_partitions(DatabaseName=DB, TableName=table)["Partitions"]
    assert sorted(p["StorageDescriptor"]["Location"] for p in parts) == [
        f"s3://{RAW}/{prefix}/dt=2024-01-01/",
        f"s3://{RAW}/{prefix}/dt=2024-01-02/",
    ]


def test_malformed_json_fails_without_ignore_malformed_json(local_aws):
    table, prefix = unique("strict"), unique("strict")
    put(local_aws, RAW, f"{prefix}/a.json", b'{"id": 1}\n{oops\n')
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (id int) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
        f"LOCATION 's3://{RAW}/{prefix}/'",
    )
    execution = run_query(local_aws, f"SELECT count(*) FROM {table}")
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith("HIVE_CURSOR_ERROR: Row is not a valid JSON Object")


def test_hive_json_serde_gzip_and_unpartitioned_recursive_read(local_aws):
    table, prefix = unique("hivejson"), unique("hivejson")
    put(local_aws, RAW, f"{prefix}/a.json", jsonl([{"k": "a", "v": 1}]))
    put(local_aws, RAW, f"{prefix}/sub/b.json.gz", gzip.compress(jsonl([{"k": "b", "v": 2}, {"k": "c"}])))
    put(local_aws, RAW, f"{prefix}/_SUCCESS", b"")
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (k string, v int) "
        f"ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe' LOCATION 's3://{RAW}/{prefix}'",
    )
    assert rows(local_aws, f"SELECT k, v FROM {table} ORDER BY k") == [["a", "1"], ["b", "2"], ["c", None]]


def test_csv_tables_lazy_simple_with_header_skip_and_open_csv(local_aws):
    lazy, lazy_prefix = unique("lazy"), unique("lazy")
    put(local_aws, RAW, f"{lazy_prefix}/1.csv", b"id,amount,city\n1,2.5,Oslo\n2,x,\n")
    put(local_aws, RAW, f"{lazy_prefix}/2.csv", b"id,amount,city\n3,4.0,Rome\n")
    ok(
        local_aws,
        f"""CREATE EXTERNAL TABLE {lazy} (id int, amount double, city string)
        ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
        STORED AS TEXTFILE LOCATION 's3://{RAW}/{lazy_prefix}/'
        TBLPROPERTIES ('skip.header.line.count' = '1')""",
    )
    # Hive reads an unparsable number as NULL; the header line of every file is skipped.
    assert rows(local_aws, f"SELECT id, amount, city FROM {lazy} ORDER BY id") == [
        ["1", "2.5", "Oslo"],
        ["2", None, ""],
        ["3", "4.0", "Rome"],
    ]
    glue = local_aws.client("glue").get_table(DatabaseName=DB, Name=lazy)["Table"]
    assert glue["Parameters"]["skip.header.line.count"] == "1"
    assert (
        glue["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
        == "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    )
    assert glue["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {"field.delim": ",", "serialization.format": ","}

    quoted, quoted_prefix = unique("opencsv"), unique("opencsv")
    put(local_aws, RAW, f"{quoted_prefix}/1.csv", b'"name","note"\n"Smith, J","said ""hi"""\n')
    ok(
        local_aws,
        f"""CREATE EXTERNAL TABLE {quoted} (name string, note string)
        ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
        WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"', 'escapeChar' = '"')
        LOCATION 's3://{RAW}/{quoted_prefix}/' TBLPROPERTIES ('skip.header.line.count' = '1')""",
    )
    assert rows(local_aws, f"SELECT name, note FROM {quoted}") == [["Smith, J", 'said "hi"']]


def test_partition_pruning_reads_only_matching_partitions(local_aws):
    table, prefix = unique("pruned"), unique("pruned")
    sizes = {}
    for day in range(1, 6):
        dt = f"2024-01-0{day}"
        sizes[dt] = put(
            local_aws,
            RAW,
            f"{prefix}/dt={dt}/data.parquet",
            parquet_bytes(f"SELECT range AS id, {day} AS day FROM range({day * 100})"),
        )
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (id bigint, day int) PARTITIONED BY (dt string) "
        f"STORED AS PARQUET LOCATION 's3://{RAW}/{prefix}/'",
    )
    ok(local_aws, f"MSCK REPAIR TABLE {table}")

    def scanned(where: str) -> tuple[int, str]:
        execution = ok(local_aws, f"SELECT count(*) FROM {table} t {where}")
        result = local_aws.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])
        return execution["Statistics"]["DataScannedInBytes"], result["ResultSet"]["Rows"][1]["Data"][0]["VarCharValue"]

    total = sum(sizes.values())
    assert scanned("") == (total, "1500")
    assert scanned("WHERE dt = '2024-01-03'") == (sizes["2024-01-03"], "300")
    assert scanned("WHERE t.dt IN ('2024-01-01', '2024-01-05')") == (sizes["2024-01-01"] + sizes["2024-01-05"], "600")
    assert scanned("WHERE dt >= '2024-01-04'") == (sizes["2024-01-04"] + sizes["2024-01-05"], "900")
    assert scanned("WHERE dt BETWEEN '2024-01-02' AND '2024-01-03' AND id < 50") == (
        sizes["2024-01-02"] + sizes["2024-01-03"],
        "100",
    )
    assert scanned("WHERE '2024-01-02' > dt") == (sizes["2024-01-01"], "100")
    # A predicate on a data column cannot prune; an OR is not split.
    assert scanned("WHERE day = 2") == (total, "200")
    assert scanned("WHERE dt = '2024-01-01' OR day = 2") == (total, "300")
    assert scanned("WHERE dt = '2099-01-01'") == (0, "0")


def test_alter_table_partitions_and_drops_keep_the_data(local_aws):
    table, prefix = unique("parts"), unique("parts")
    put(local_aws, RAW, f"{prefix}/custom/a.json", jsonl([{"v": 1}]))
    put(local_aws, RAW, f"{prefix}/dt=2024-02-02/a.json", jsonl([{"v": 2}, {"v": 3}]))
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (v int) PARTITIONED BY (dt string) "
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{RAW}/{prefix}/'",
    )
    ok(
        local_aws,
        f"ALTER TABLE {table} ADD IF NOT EXISTS PARTITION (dt = '2024-02-01') "
        f"LOCATION 's3://{RAW}/{prefix}/custom/' PARTITION (dt = '2024-02-02')",
    )
    ok(local_aws, f"ALTER TABLE {table} ADD IF NOT EXISTS PARTITION (dt = '2024-02-02')")
    again = run_query(local_aws, f"ALTER TABLE {table} ADD PARTITION (dt = '2024-02-02')")
    assert again["Status"]["State"] == "FAILED" and "already exists" in again["Status"]["StateChangeReason"]
    assert rows(local_aws, f"SELECT dt, sum(v) FROM {table} GROUP BY dt ORDER BY dt") == [
        ["2024-02-01", "1"],
        ["2024-02-02", "5"],
    ]

    ok(local_aws, f"ALTER TABLE {table} DROP PARTITION (dt = '2024-02-02')")
    assert rows(local_aws, f"SHOW PARTITIONS {table}") == [["dt=2024-02-01"]]
    assert rows(local_aws, f"SELECT sum(v) FROM {table}") == [["1"]]
    assert keys(local_aws, RAW, f"{prefix}/dt=2024-02-02/") == [f"{prefix}/dt=2024-02-02/a.json"]

    ok(local_aws, f"DROP TABLE {table}")
    ok(local_aws, f"DROP TABLE IF EXISTS {table}")
    assert run_query(local_aws, f"SELECT 1 FROM {table}")["Status"]["StateChangeReason"].startswith("TABLE_NOT_FOUND")
    assert len(keys(local_aws, RAW, f"{prefix}/")) == 2


def test_ctas_parquet_snappy_partitioned_then_insert_into_adds_partitions(local_aws):
    source, source_prefix = unique("readings"), unique("readings")
    lake_db = SETTINGS.lake_database
    target, target_prefix = unique("metrics"), unique("metrics")
    base = 1704067200000  # 2024-01-01T00:00:00Z in ms
    records = [
        {"vehicle": "v1", "ts": base + 0, "speed": 10.0},
        {"vehicle": "v1", "ts": base + 300_000, "speed": 20.0},
        {"vehicle": "v1", "ts": base + 1_200_000, "speed": 30.0},
        {"vehicle": "v2", "ts": base + 86_400_000, "speed": 50.0},
    ]
    put(local_aws, RAW, f"{source_prefix}/part.json", jsonl(records))
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {source} (vehicle string, ts bigint, speed double) "
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{RAW}/{source_prefix}/'",
    )

    ctas = ok(
        local_aws,
        f"""
        CREATE TABLE {lake_db}.{target}
        WITH (format = 'PARQUET', write_compression = 'SNAPPY',
              external_location = 's3://{LAKE}/{target_prefix}/', partitioned_by = ARRAY['day'])
        AS SELECT vehicle, ts, speed,
                  lag(speed) OVER (PARTITION BY vehicle ORDER BY ts) AS prev_speed,
                  avg(speed) OVER (PARTITION BY vehicle ORDER BY ts / 1000
                                   RANGE BETWEEN 600 PRECEDING AND CURRENT ROW) AS avg_10min,
                  CAST(date(from_unixtime(ts / 1000)) AS date) AS day
           FROM {DB}.{source}
           WHERE ts < {base + 86_400_000}""",
    )
    assert ctas["StatementType"] == "DDL" and ctas["SubstatementType"] == "CREATE_TABLE_AS_SELECT"
    written = keys(local_aws, LAKE, f"{target_prefix}/")
    assert len(written) == 1 and written[0].startswith(f"{target_prefix}/day=2024-01-01/")

    glue = local_aws.client("glue").get_table(DatabaseName=lake_db, Name=target)["Table"]
    assert glue["PartitionKeys"] == [{"Name": "day", "Type": "date"}]
    assert [(c["Name"], c["Type"]) for c in glue["StorageDescriptor"]["Columns"]] == [
        ("vehicle", "string"),
        ("ts", "bigint"),
        ("speed", "double"),
        ("prev_speed", "double"),
        ("avg_10min", "double"),
    ]
    assert glue["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    assert glue["Parameters"]["parquet.compression"] == "SNAPPY"

    data = local_aws.client("s3").get_object(Bucket=LAKE, Key=written[0])["Body"].read()
    con = duckdb.connect()
    con.execute("CREATE TABLE f AS SELECT * FROM read_parquet(?)", [_spill(data)])
    assert con.execute("SELECT DISTINCT compression FROM parquet_metadata(?)", [_spill(data)]).fetchall() == [
        ("SNAPPY",)
    ]

    assert rows(local_aws, f"SELECT vehicle, speed, prev_speed, avg_10min, day FROM {target} ORDER BY ts", lake_db) == [
        ["v1", "10.0", None, "10.0", "2024-01-01"],
        ["v1", "20.0", "10.0", "15.0", "2024-01-01"],
        ["v1", "30.0", "20.0", "30.0", "2024-01-01"],
    ]

    # Idempotent load: only rows not yet in the target, found with an anti-join.
    insert = ok(
        local_aws,
        f"""
        INSERT INTO {target}
        SELECT s.vehicle, s.ts, s.speed, NULL, NULL, CAST(date(from_unixtime(s.ts / 1000)) AS date)
        FROM {DB}.{source} s
        WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE t.vehicle = s.vehicle AND t.ts = s.ts)""",
        lake_db,
    )
    assert insert["StatementType"] == "DML"
    assert rows(local_aws, f"SHOW PARTITIONS {target}", lake_db) == [["day=2024-01-01"], ["day=2024-01-02"]]
    assert rows(local_aws, f"SELECT day, count(*) FROM {target} GROUP BY day ORDER BY day", lake_db) == [
        ["2024-01-01", "3"],
        ["2024-01-02", "1"],
    ]
    # Running the same INSERT again adds nothing.
    ok(local_aws, insert["Query"], lake_db)
    assert rows(local_aws, f"SELECT count(*) FROM {target}", lake_db) == [["4"]]


def _spill(data: bytes) -> str:
    path = f"/tmp/{uuid.uuid4().hex}.parquet"
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def test_ctas_refuses_a_non_empty_location_and_defaults_under_the_output_location(local_aws):
    prefix = unique("occupied")
    put(local_aws, LAKE, f"{prefix}/old.parquet", parquet_bytes("SELECT 1 AS x"))
    failed = run_query(
        local_aws, f"CREATE TABLE {unique('t')} WITH (external_location = 's3://{LAKE}/{prefix}/') AS SELECT 1 AS x"
    )
    assert failed["Status"]["State"] == "FAILED"
    assert failed["Status"]["StateChangeReason"].startswith("HIVE_PATH_ALREADY_EXISTS")

    name = unique("defaulted")
    execution = ok(local_aws, f"CREATE TABLE {name} AS SELECT 1 AS x, 'a' AS y")
    glue = local_aws.client("glue").get_table(DatabaseName=DB, Name=name)["Table"]
    location = f"{SETTINGS.athena_output_location}tables/{execution['QueryExecutionId']}/"
    assert glue["StorageDescriptor"]["Location"] == location
    assert rows(local_aws, f"SELECT x, y FROM {name}") == [["1", "a"]]


def test_insert_into_json_table_and_unload(local_aws):
    table, prefix = unique("jsonout"), unique("jsonout")
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (id int, label string) "
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{RAW}/{prefix}/'",
    )
    ok(local_aws, f"INSERT INTO {table} (label, id) VALUES ('one', 1), ('two', 2)")
    written = keys(local_aws, RAW, f"{prefix}/")
    assert len(written) == 1
    lines = local_aws.client("s3").get_object(Bucket=RAW, Key=written[0])["Body"].read().decode().splitlines()
    assert sorted(json.loads(line)["label"] for line in lines) == ["one", "two"]

    out = unique("unload")
    ok(
        local_aws,
        f"UNLOAD (SELECT id, label FROM {table}) TO 's3://{LAKE}/{out}/' WITH (format = 'PARQUET', compression = 'SNAPPY')",
    )
    [key] = keys(local_aws, LAKE, f"{out}/")
    data = local_aws.client("s3").get_object(Bucket=LAKE, Key=key)["Body"].read()
    assert duckdb.connect().execute("SELECT id, label FROM read_parquet(?) ORDER BY id", [_spill(data)]).fetchall() == [
        (1, "one"),
        (2, "two"),
    ]


@pytest.mark.parametrize(
    ("ddl", "reason"),
    [
        ("CREATE TABLE t_managed (x int)", "NOT_SUPPORTED: Only EXTERNAL tables"),
        ("CREATE EXTERNAL TABLE t_orc (x int) STORED AS AVRO LOCATION 's3://b/p/'", "NOT_SUPPORTED: STORED AS AVRO"),
        (
            "CREATE EXTERNAL TABLE t_noloc (x int) STORED AS PARQUET",
            "SYNTAX_ERROR: line 1:1: External tables must have a LOCATION",
        ),
        (
            "CREATE EXTERNAL TABLE t_badtype (x uniontype<int>) LOCATION 's3://b/p/'",
            "NOT_SUPPORTED: Unknown type 'uniontype'",
        ),
    ],
)
def test_unsupported_ddl_fails_with_a_reason(local_aws, ddl, reason):
    execution = run_query(local_aws, ddl)
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"].startswith(reason)


def test_create_and_drop_database(local_aws):
    name = unique("db")
    ok(local_aws, f"CREATE DATABASE IF NOT EXISTS {name.upper()} COMMENT 'scratch'")
    assert local_aws.client("glue").get_database(Name=name)["Database"]["Description"] == "scratch"
    ok(local_aws, f"CREATE SCHEMA IF NOT EXISTS {name}")
    assert run_query(local_aws, f"CREATE DATABASE {name}")["Status"]["State"] == "FAILED"
    ok(local_aws, f"DROP DATABASE {name}")
    assert name not in [d["Name"] for d in local_aws.client("glue").get_databases()["DatabaseList"]]


def test_json_keys_match_columns_case_insensitively_like_the_serde(local_aws):
    table, prefix = unique("hits"), unique("hits")
    put(local_aws, RAW, f"{prefix}/a.json", jsonl([{"GroupID": 7, "CountryCode": "BE", "timestamp": 5}]))
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (groupid int, countrycode string, `timestamp` bigint) "
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://{RAW}/{prefix}/'",
    )
    assert rows(local_aws, f'SELECT groupid, CountryCode, "timestamp" FROM {table}') == [["7", "BE", "5"]]


def test_reprocessing_a_partition_by_deleting_its_files_and_dropping_it(local_aws):
    lake_db = SETTINGS.lake_database
    table, prefix = unique("answers"), unique("answers")
    ok(
        local_aws,
        f"""CREATE TABLE {table} WITH (format = 'PARQUET', write_compression = 'SNAPPY',
            external_location = 's3://{LAKE}/{prefix}/', partitioned_by = ARRAY['day'])
        AS SELECT 'bus' AS vehicle_type, 1.5 AS avg_seconds, '2024-01-01' AS day""",
        lake_db,
    )
    ok(local_aws, f"INSERT INTO {table} SELECT 'car', 2.5, '2024-01-02'", lake_db)

    # Reprocess 2024-01-01: delete the partition's files, drop it, insert the new answer.
    s3 = local_aws.client("s3")
    for key in keys(local_aws, LAKE, f"{prefix}/day=2024-01-01/"):
        s3.delete_object(Bucket=LAKE, Key=key)
    ok(local_aws, f"ALTER TABLE {table} DROP IF EXISTS PARTITION (day = '2024-01-01')", lake_db)
    ok(local_aws, f"INSERT INTO {table} SELECT 'bus', 9.0, '2024-01-01'", lake_db)

    assert rows(local_aws, f"SELECT day, vehicle_type, avg_seconds FROM {table} ORDER BY day", lake_db) == [
        ["2024-01-01", "bus", "9.0"],
        ["2024-01-02", "car", "2.5"],
    ]
    assert rows(local_aws, f"SHOW PARTITIONS {table}", lake_db) == [["day=2024-01-01"], ["day=2024-01-02"]]


def test_partition_values_with_special_characters_and_nulls_round_trip(local_aws):
    table, prefix = unique("kinds"), unique("kinds")
    ok(
        local_aws,
        f"""CREATE TABLE {table} WITH (external_location = 's3://{LAKE}/{prefix}/',
            partitioned_by = ARRAY['vehicle_type'])
        AS SELECT * FROM (VALUES (1, 'Heavy Truck/EU'), (2, NULL), (3, 'van')) AS t(id, vehicle_type)""",
    )
    folders = sorted({key.split("/")[1] for key in keys(local_aws, LAKE, f"{prefix}/")})
    # Hive escapes '/' in a folder name; a NULL value goes to Hive's default partition.
    assert folders == ["vehicle_type=Heavy Truck%2FEU", "vehicle_type=__HIVE_DEFAULT_PARTITION__", "vehicle_type=van"]
    assert rows(local_aws, f"SELECT id, vehicle_type FROM {table} ORDER BY id") == [
        ["1", "Heavy Truck/EU"],
        ["2", None],
        ["3", "van"],
    ]
    assert rows(local_aws, f"SELECT id FROM {table} WHERE vehicle_type = 'Heavy Truck/EU'") == [["1"]]


def test_partition_projection_tables_fail_instead_of_reading_nothing(local_aws):
    table = unique("projected")
    ok(
        local_aws,
        f"""CREATE EXTERNAL TABLE {table} (v int) PARTITIONED BY (dt string) STORED AS PARQUET
        LOCATION 's3://{RAW}/{table}/'
        TBLPROPERTIES ('projection.enabled' = 'true', 'projection.dt.type' = 'date')""",
    )
    execution = run_query(local_aws, f"SELECT count(*) FROM {table}")
    assert execution["Status"]["State"] == "FAILED"
    assert execution["Status"]["StateChangeReason"] == (
        f"NOT_SUPPORTED: Partition projection (table {table}) is not supported locally"
    )


def test_show_tables_and_databases(local_aws):
    table = unique("listed")
    ok(local_aws, f"CREATE EXTERNAL TABLE {table} (v int) STORED AS PARQUET LOCATION 's3://{RAW}/{table}/'")
    assert rows(local_aws, f"SHOW TABLES IN {DB} '{table}*'") == [[table]]
    assert [DB] in rows(local_aws, "SHOW DATABASES")
    assert rows(local_aws, f"SHOW SCHEMAS LIKE '{DB}|nothing'") == [[DB]]


def test_default_database_exists_as_in_every_account(local_aws):
    table = unique("indefault")
    put(local_aws, RAW, f"{table}/a.json", jsonl([{"v": 4}]))
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (v int) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
        f"LOCATION 's3://{RAW}/{table}/'",
        "default",
    )
    assert rows(local_aws, f"SELECT v FROM default.{table}") == [["4"]]
    assert local_aws.client("glue").get_table(DatabaseName="default", Name=table)["Table"]["Name"] == table


def test_insert_from_ctes_with_lead_and_decimal_seconds_into_a_date_partitioned_table(local_aws):
    lake_db = SETTINGS.lake_database
    source, target = unique("sensor"), unique("intervals")
    ok(
        local_aws,
        f"""CREATE TABLE {source} WITH (external_location = 's3://{LAKE}/{source}/',
            partitioned_by = ARRAY['days', 'vehicle_type'])
        AS SELECT * FROM (VALUES
            ('v1', BIGINT '1704067200000', 1.0, DATE '2024-01-01', 'bus'),
            ('v1', BIGINT '1704067201500', 2.0, DATE '2024-01-01', 'bus'),
            ('v1', BIGINT '1704067202734', 3.0, DATE '2024-01-01', 'bus'),
            ('v2', BIGINT '1704067200000', NULL, DATE '2024-01-01', 'bus'),
            ('v3', BIGINT '1704153600000', 1.0, DATE '2024-01-02', 'car'),
            ('v3', BIGINT '1704153610000', 1.0, DATE '2024-01-02', 'car'))
            AS t(vehicle_id, "timestamp", sensor_value, days, vehicle_type)""",
        lake_db,
    )
    ok(
        local_aws,
        f"""CREATE EXTERNAL TABLE {target} (vehicle_type string, average_seconds double, vehicles bigint)
        PARTITIONED BY (processed_date string) STORED AS PARQUET LOCATION 's3://{LAKE}/{target}/'""",
        lake_db,
    )
    execution = ok(
        local_aws,
        f"""
        INSERT INTO "{lake_db}"."{target}"
        WITH gaps AS (
          SELECT vehicle_id, vehicle_type, days,
                 lead("timestamp") OVER (PARTITION BY days, vehicle_id, vehicle_type ORDER BY "timestamp")
                   - "timestamp" AS millis_to_next
          FROM "{lake_db}"."{source}"
          WHERE days IN (DATE '2024-01-01') AND sensor_value IS NOT NULL
        ),
        per_vehicle AS (
          SELECT vehicle_id, vehicle_type, days, avg(millis_to_next / 1000.0) AS avg_seconds
          FROM gaps WHERE millis_to_next IS NOT NULL GROUP BY vehicle_id, vehicle_type, days
        )
        SELECT vehicle_type, avg(avg_seconds), count(*), CAST(days AS varchar)
        FROM per_vehicle GROUP BY vehicle_type, days""",
        lake_db,
    )
    # v1's gaps 1.5 s and 1.2 s (1.234 at Trino's DECIMAL scale 1) average 1.35 -> 1.4 (half up).
    assert rows(local_aws, f"SELECT * FROM {target}", lake_db) == [["bus", "1.4", "1", "2024-01-01"]]
    scanned = local_aws.client("s3").list_objects_v2(Bucket=LAKE, Prefix=f"{source}/days=2024-01-01/")["Contents"]
    assert execution["Statistics"]["DataScannedInBytes"] == sum(o["Size"] for o in scanned)


def test_a_write_of_more_than_100_partitions_fails_as_athena_fails_it_and_writes_nothing(local_aws):
    """Athena: a CTAS or INSERT INTO writes at most 100 partitions (HIVE_TOO_MANY_OPEN_PARTITIONS)."""
    lake_db, target, prefix = SETTINGS.lake_database, unique("days"), unique("days")
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {lake_db}.{target} (n bigint) PARTITIONED BY (day string) STORED AS PARQUET "
        f"LOCATION 's3://{LAKE}/{prefix}/'",
    )
    days = (
        "SELECT n, CAST(date_add('day', n, DATE '2024-01-01') AS varchar) AS day FROM UNNEST(sequence(0, {})) AS t(n)"
    )
    ok(local_aws, f"INSERT INTO {lake_db}.{target} {days.format(99)}")  # exactly 100: allowed
    assert len({k.split("/")[1] for k in keys(local_aws, LAKE, f"{prefix}/")}) == 100
    failed = run_query(local_aws, f"INSERT INTO {lake_db}.{target} {days.format(100)}")
    assert failed["Status"]["State"] == "FAILED"
    assert failed["Status"]["StateChangeReason"] == (
        "HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions/buckets"
    )
    assert len(keys(local_aws, LAKE, f"{prefix}/")) == 100  # nothing of the failed write


def test_a_json_value_of_the_wrong_type_fails_the_query_as_athenas_serde_does(local_aws):
    """``ignore.malformed.json`` covers lines that are not JSON; a well-formed line whose value
    does not parse as its column's type fails the query (HIVE_BAD_DATA), it is not read as NULL."""
    table, prefix = unique("typed"), unique("typed")
    good = b'{"id": 1, "name": 7, "ok": true}\n{not json\n{"id": null, "name": "b"}\n{"id": 3}\n'
    put(local_aws, RAW, f"{prefix}/a.json", good)
    ok(
        local_aws,
        f"CREATE EXTERNAL TABLE {table} (id int, name string, ok boolean) "
        "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true') "
        f"LOCATION 's3://{RAW}/{prefix}/'",
    )
    assert sorted(rows(local_aws, f"SELECT id, name, ok FROM {table}"), key=str) == [
        ["1", "7", "true"],  # a number read into a string column
        ["3", None, None],  # absent keys
        [None, "b", None],  # JSON null
        [None, None, None],  # the line that is not JSON
    ]
    put(local_aws, RAW, f"{prefix}/b.json", b'{"id": "abc", "name": "c"}\n')
    failed = run_query(local_aws, f"SELECT sum(id) FROM {table}")  # a query reading the column
    assert failed["Status"]["State"] == "FAILED"
    assert failed["Status"]["StateChangeReason"] == (
        "HIVE_BAD_DATA: Error parsing field value 'abc' for field 0: For input string: \"abc\""
    )


def test_a_map_column_unnests_to_a_row_per_entry_as_in_trino(local_aws):
    """``CROSS JOIN UNNEST(a_map) AS t (key, value)``, as the run ledger's docs query it; a row
    with an empty map yields no row."""
    table = unique("maps")
    put(local_aws, LAKE, f"{table}/part.parquet", parquet_bytes(
        "SELECT 'x' AS id, MAP(['bad', 'empty'], [3, 1]) AS counts UNION ALL "
        "SELECT 'y', MAP([], [])::MAP(VARCHAR, BIGINT)"
    ))  # fmt: skip
    ok(local_aws, f"CREATE EXTERNAL TABLE {table} (id string, counts map<string,bigint>) STORED AS PARQUET "
                  f"LOCATION 's3://{LAKE}/{table}/'")  # fmt: skip
    found = rows(local_aws, f"SELECT id, r.reason, r.n FROM {table} CROSS JOIN UNNEST(counts) AS r (reason, n) "
                            "ORDER BY r.reason")  # fmt: skip
    assert found == [["x", "bad", "3"], ["x", "empty", "1"]]

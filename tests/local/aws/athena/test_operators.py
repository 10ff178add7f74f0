"""AthenaOperator and AthenaSensor (the Amazon provider's own) against the local Athena, in dag.test() runs."""

from __future__ import annotations

import json
import uuid

from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.sensors.athena import AthenaSensor

from pipelines.settings import SETTINGS
from tests.support.dag_runner import returned_value, run_dag, tiny_dag


def athena_task(task_id: str, query: str, database: str) -> AthenaOperator:
    return AthenaOperator(
        task_id=task_id,
        query=query,
        database=database,
        workgroup=SETTINGS.athena_workgroup,
        output_location=SETTINGS.athena_output_location,
        sleep_time=1,
        aws_conn_id=SETTINGS.aws_conn_id,
        deferrable=False,
    )


def test_ddl_ctas_insert_and_select_through_the_operators(local_aws, airflow_db):
    suffix = uuid.uuid4().hex[:8]
    raw, lake = SETTINGS.raw_database, SETTINGS.lake_database
    events, daily = f"op_events_{suffix}", f"op_daily_{suffix}"
    raw_prefix, lake_prefix = f"op-events-{suffix}", f"op-daily-{suffix}"
    s3 = local_aws.client("s3")
    for day, amounts in (("2026-03-01", [5, 7]), ("2026-03-02", [11])):
        body = "".join(json.dumps({"shop": "s1", "amount": a}) + "\n" for a in amounts)
        s3.put_object(Bucket=SETTINGS.raw_bucket, Key=f"{raw_prefix}/dt={day}/events.json", Body=body.encode())

    dag_id = f"athena_ok_{suffix}"
    with tiny_dag(dag_id) as dag:
        create = athena_task(
            "create_table",
            f"""CREATE EXTERNAL TABLE IF NOT EXISTS {events} (shop string, amount int)
                PARTITIONED BY (dt string)
                ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
                LOCATION 's3://{SETTINGS.raw_bucket}/{raw_prefix}/'""",
            raw,
        )
        add_partitions = athena_task(
            "add_partitions",
            f"ALTER TABLE {events} ADD IF NOT EXISTS PARTITION (dt = '2026-03-01') PARTITION (dt = '2026-03-02')",
            raw,
        )
        ctas = athena_task(
            "ctas",
            f"""CREATE TABLE {lake}.{daily}
                WITH (format = 'PARQUET', write_compression = 'SNAPPY',
                      external_location = 's3://{SETTINGS.lake_bucket}/{lake_prefix}/', partitioned_by = ARRAY['dt'])
                AS SELECT shop, sum(amount) AS total, dt FROM {raw}.{events}
                   WHERE dt = '2026-03-01' GROUP BY shop, dt""",
            raw,
        )
        insert = athena_task(
            "insert",
            f"""INSERT INTO {daily} SELECT shop, sum(amount), dt FROM {raw}.{events}
                WHERE dt = '2026-03-02' GROUP BY shop, dt""",
            lake,
        )
        select = athena_task("select", f"SELECT dt, total FROM {daily} ORDER BY dt", lake)
        sensor = AthenaSensor(
            task_id="wait_for_select",
            query_execution_id=select.output,
            sleep_time=1,
            poke_interval=1,
            aws_conn_id=SETTINGS.aws_conn_id,
            mode="poke",  # AthenaSensor has no deferrable mode: it pokes in the worker
        )
        create >> add_partitions >> ctas >> insert >> select >> sensor

    states = run_dag(dag)

    assert states == {
        "create_table": "success",
        "add_partitions": "success",
        "ctas": "success",
        "insert": "success",
        "select": "success",
        "wait_for_select": "success",
    }
    qid = returned_value(dag_id, "select")
    athena = local_aws.client("athena")
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert [[c["VarCharValue"] for c in r["Data"]] for r in rows] == [
        ["dt", "total"],
        ["2026-03-01", "12"],
        ["2026-03-02", "11"],
    ]
    csv = s3.get_object(Bucket=SETTINGS.athena_results_bucket, Key=f"results/{qid}.csv")["Body"].read()
    assert csv == b'"dt","total"\n"2026-03-01","12"\n"2026-03-02","11"\n'
    partitions = local_aws.client("glue").get_partitions(DatabaseName=lake, TableName=daily)["Partitions"]
    assert sorted(p["Values"][0] for p in partitions) == ["2026-03-01", "2026-03-02"]
    written = s3.list_objects_v2(Bucket=SETTINGS.lake_bucket, Prefix=f"{lake_prefix}/")["Contents"]
    assert sorted(o["Key"].split("/")[1] for o in written) == ["dt=2026-03-01", "dt=2026-03-02"]


def test_failing_query_fails_the_task_with_athenas_reason_in_the_log(local_aws, airflow_db, capsys):
    suffix = uuid.uuid4().hex[:8]
    with tiny_dag(f"athena_fail_{suffix}") as dag:
        athena_task("bad_select", f"SELECT * FROM missing_{suffix}", SETTINGS.raw_database)

    states = run_dag(dag)

    assert states == {"bad_select": "failed"}
    output = capsys.readouterr()
    log = output.out + output.err
    assert "Final state of Athena job is FAILED" in log
    assert (
        f"TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.{SETTINGS.raw_database}.missing_{suffix}' does not exist"
        in log
    )

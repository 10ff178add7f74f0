import json

import pendulum
from airflow.utils.state import DagRunState

from pipelines.settings import SETTINGS


def test_healthcheck_writes_and_reads_back_through_the_provider(local_aws, dagbag):
    dag = dagbag.get_dag("healthcheck")
    run = dag.test(logical_date=pendulum.datetime(2026, 3, 1, tz="UTC"))

    assert run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"write_object": "success", "wait_for_object": "success", "read_back": "success"}
    body = local_aws.client("s3").get_object(
        Bucket=SETTINGS.artifacts_bucket, Key=f"healthcheck/2026-03-01/{run.run_id}.json"
    )
    assert json.loads(body["Body"].read()) == {"dag_id": "healthcheck", "day": "2026-03-01", "run_id": run.run_id}

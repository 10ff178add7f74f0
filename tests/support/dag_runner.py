"""Run a DAG defined in a test with ``dag.test()``: its task states, a task's returned value."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG

LOGICAL_DATE = pendulum.datetime(2026, 3, 1, tz="UTC")


def tiny_dag(dag_id: str, **kwargs: Any) -> DAG:
    """A DAG for one conformance check: manual only, no retries, so a failure fails at once."""
    return DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=LOGICAL_DATE,
        catchup=False,
        default_args={"retries": 0},
        **kwargs,
    )


def run_dag(dag: DAG, conf: dict[str, Any] | None = None) -> dict[str, str]:
    """``dag.test()`` the DAG; return ``{task_id (or task_id[map_index]): state}``.

    ``dag.test()`` only finds DAGs that a bundle holds, so a DAG built in a test is first
    written to the metadata DB as the dag-processor would write it.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.serialization.serialized_objects import LazyDeserializedDAG
    from airflow.utils.session import create_session

    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
        session.commit()
        update_dag_parsing_results_in_db(
            "dags-folder", None, [LazyDeserializedDAG.from_dag(dag)], {}, None, set(), session=session
        )
    run = dag.test(logical_date=LOGICAL_DATE, run_conf=conf)
    states = {}
    for ti in run.get_task_instances():
        name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        states[name] = str(ti.state)
    return states


def returned_value(dag_id: str, task_id: str, run_id: str | None = None) -> Any:
    """What the task returned (its ``return_value`` XCom) in the run ``run_id`` (default: the
    DAG's one run)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag_id,
                XComModel.task_id == task_id,
                XComModel.key == "return_value",
                *([XComModel.run_id == run_id] if run_id else []),
            )
        ).all()
        assert len(rows) == 1
        return XComModel.deserialize_value(rows[0])

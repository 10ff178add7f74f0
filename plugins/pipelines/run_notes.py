"""The run's note in the Airflow UI: the ledger's one-line summary, set when the run ends.

A task cannot write a run's note (the Task SDK has no call for it); the scheduler can, in the
transaction that ends the run: this module is a listener of the project's plugin, so it runs
there (on MWAA too, where plugins.zip installs it), and for ``dag.test()`` runs (in a session
of its own: their run is not bound to one). A note a person wrote stays as it is.
"""

from __future__ import annotations

from typing import Any

from airflow.listeners import hookimpl
from sqlalchemy.orm import object_session

from pipelines.run_ledger import RECORD_TASK

MAX_NOTE = 1000  # characters: the note's column


def ledger_summary(session: Any, dag_id: str, run_id: str) -> str | None:
    """The summary the run's ``record_run`` task returned, if it ran."""
    from airflow.models.xcom import XComModel  # the scheduler's side: the metadata database

    query = XComModel.get_many(run_id=run_id, key="return_value", task_ids=RECORD_TASK, dag_ids=dag_id)
    row = session.scalars(query).first()
    value = XComModel.deserialize_value(row) if row is not None else None
    return value.get("summary") if isinstance(value, dict) else None


def _note(session: Any, dag_run: Any) -> None:
    from airflow.models.dagrun import DagRunNote

    if session.get(DagRunNote, dag_run.id) is not None:
        return
    summary = ledger_summary(session, dag_run.dag_id, dag_run.run_id)
    if summary:
        note = DagRunNote(content=summary[:MAX_NOTE])
        note.dag_run_id = dag_run.id
        session.add(note)


def note_the_run(dag_run: Any) -> None:
    session = object_session(dag_run)
    if session is not None:
        _note(session, dag_run)
        return
    from airflow.utils.session import create_session

    with create_session() as own:
        _note(own, dag_run)


@hookimpl
def on_dag_run_success(dag_run: Any, msg: str) -> None:
    note_the_run(dag_run)


@hookimpl
def on_dag_run_failed(dag_run: Any, msg: str) -> None:
    note_the_run(dag_run)

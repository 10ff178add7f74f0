"""A pipeline's tables created in one task: the DDL statements of the tables the Glue catalog does
not hold yet, one after the other.

Every DDL template is ``CREATE EXTERNAL TABLE IF NOT EXISTS `database`.`table` ...``: on a table
that exists it does nothing. Asking the catalog first (GetTable, milliseconds) has the same
outcome without the Athena statement, which AWS queues and plans for a second or more and counts
against the account's active DDL queries, and one task instead of one per table saves a worker
execution each (``make bench``). A missing table's statement is watched in the worker and
deferred when still running, as ``pipelines.athena_statement`` does for one statement; after the
deferral the task asks the catalog again and goes on with the tables still missing. One at a
time: the active DDL quota (20 in most regions) is shared by every run of every DAG.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.glue_catalog import GlueCatalogHook
from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils import validate_execute_complete_event
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.sdk.exceptions import AirflowException

from pipelines.athena_statement import AthenaStatementTrigger, final_state_within

RAN_KEY = "statements_run"
CREATED = re.compile(r"CREATE\s+EXTERNAL\s+TABLE\s+IF\s+NOT\s+EXISTS\s+`([^`]+)`\.`([^`]+)`", re.IGNORECASE)


def created_table(statement: str) -> tuple[str, str]:
    """(database, table) of a ``CREATE EXTERNAL TABLE IF NOT EXISTS `database`.`table``` statement."""
    found = CREATED.search(statement)
    if not found:
        raise ValueError(f"not a CREATE EXTERNAL TABLE IF NOT EXISTS `database`.`table` statement: {statement[:200]!r}")
    return found.group(1), found.group(2)


class CreateTablesOperator(AwsBaseOperator[AthenaHook]):
    """Run each DDL statement of ``ddl`` ((SQL file, its own ``params``), in order) whose table the
    catalog does not hold; return the ids of the statements run (for the run ledger)."""

    aws_hook_class = AthenaHook
    # ``statements`` is rendered by render_template_fields, each file with its own params.
    template_fields: Sequence[str] = aws_template_fields("statements", "database", "output_location", "workgroup")
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"statements": "py"}
    ui_color = "#44b5e2"

    def __init__(
        self,
        *,
        ddl: Sequence[tuple[str, dict[str, Any]]],
        database: str,
        workgroup: str,
        output_location: str,
        deferrable: bool,
        defer_after: float,
        sleep_time: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ddl = [(sql_file, dict(params)) for sql_file, params in ddl]
        self.statements: list[str] = [sql_file for sql_file, _ in self.ddl]
        self.database, self.workgroup, self.output_location = database, workgroup, output_location
        self.deferrable, self.defer_after, self.sleep_time = deferrable, defer_after, sleep_time
        self.query_execution_id: str | None = None

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        jinja_env = jinja_env or self.get_template_env()
        others = [name for name in self.template_fields if name != "statements"]
        self._do_render_template_fields(self, others, context, jinja_env, set())
        self.statements = [
            self.render_template(sql_file, {**context, "params": {**context["params"], **params}}, jinja_env)
            for sql_file, params in self.ddl
        ]

    def execute(self, context: Any) -> list[str]:
        return self._create_missing(context["ti"], [])

    def resume(self, context: Any, event: dict[str, Any] | None = None) -> list[str]:
        """After a deferred statement: it must have succeeded; then the tables still missing.
        The statements run so far are read from the try's XCom, which a deferral keeps (the
        resume's kwargs would not do: ``dag.test`` replaces them with the event)."""
        validated = validate_execute_complete_event(event)
        if validated["status"] != "success":
            raise AirflowException(f"Athena statement {validated.get('value')} did not succeed: {validated}")
        ti = context["ti"]
        return self._create_missing(ti, list(ti.xcom_pull(task_ids=self.task_id, key=RAN_KEY) or []))

    def on_kill(self) -> None:
        if self.query_execution_id:
            self.hook.stop_query(self.query_execution_id)

    def _create_missing(self, ti: Any, ran: list[str]) -> list[str]:
        catalog = GlueCatalogHook(aws_conn_id=self.aws_conn_id, region_name=self.region_name, verify=self.verify)
        for statement in self.statements:
            database, table = created_table(statement)
            if _exists(catalog, database, table):
                continue
            self.query_execution_id = self.hook.run_query(
                statement, {"Database": self.database}, {"OutputLocation": self.output_location}, None, self.workgroup
            )
            ran.append(self.query_execution_id)
            ti.xcom_push(key=RAN_KEY, value=ran)
            self.log.info("%s.%s is missing: created by statement %s", database, table, self.query_execution_id)
            state = self._final_state(self.query_execution_id)
            if state != "SUCCEEDED":
                reason = self.hook.get_state_change_reason(self.query_execution_id)
                raise AirflowException(f"creating {database}.{table}: statement {self.query_execution_id} ended {state}: {reason}")  # fmt: skip
        self.query_execution_id = None
        return ran

    def _final_state(self, query_execution_id: str) -> str | None:
        """Its final state, waited for in the worker; or a deferral (resumed in ``resume``)."""
        if not self.deferrable:
            return self.hook.poll_query_status(query_execution_id, sleep_time=self.sleep_time)
        state = final_state_within(self.hook, query_execution_id, self.defer_after) if self.defer_after > 0 else None
        if state is None:
            trigger = AthenaStatementTrigger(
                query_execution_id=query_execution_id,
                waiter_delay=self.sleep_time,
                waiter_max_attempts=999_999,  # as AthenaOperator's default: the task's timeout bounds it
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                botocore_config=self.botocore_config,
            )
            self.defer(trigger=trigger, method_name="resume")
        return state


def _exists(catalog: GlueCatalogHook, database: str, table: str) -> bool:
    try:
        catalog.get_table(database, table)
    except catalog.conn.exceptions.EntityNotFoundException:
        return False
    return True

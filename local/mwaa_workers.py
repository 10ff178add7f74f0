"""MWAA's workers on the laptop: Celery workers that take their tasks from an SQS queue of the
local AWS, with the task slots of an MWAA environment class.

As on MWAA, the scheduler sends every task to the environment's ``airflow-celery-*`` queue through
Celery's SQS transport (kombu's, with pycurl, as the image installs ``celery[sqs]``), the workers
sign as the execution role (the template allows it exactly that queue), results go to the
metadata database, and a worker runs as many tasks at once as its class allows. The local stack
runs MWAA's default minimum of workers, one; ``PIPELINES_MWAA_CLASS`` picks the class.
"""

from __future__ import annotations

import json

from deploy.mwaa_classes import CLASSES
from pipelines.settings import Settings

# Tasks one worker runs at once, per environment class (celery.worker_autoscale "N,N"): the
# classes' own table. deploy/pipelines.yaml allows the same classes.
WORKER_CONCURRENCY = {c.name: c.tasks_per_worker for c in CLASSES}
WORKERS = 1  # MWAA's MinWorkers default: what an environment runs before it scales out
# MWAA's queue keeps a received task invisible this long: a task is never delivered twice while
# its worker lives; one whose worker died is failed (and retried) by the scheduler's heartbeat check.
VISIBILITY_TIMEOUT_SECONDS = 43200


def concurrency(settings: Settings) -> int:
    """The task slots of one worker of ``settings.mwaa_class``; an unknown class fails here."""
    try:
        return WORKER_CONCURRENCY[settings.mwaa_class]
    except KeyError:
        known = ", ".join(WORKER_CONCURRENCY)
        raise ValueError(f"PIPELINES_MWAA_CLASS must be one of {known}, not {settings.mwaa_class!r}") from None


def queue_name(settings: Settings) -> str:
    """The environment's task queue: MWAA's own is ``airflow-celery-<id>``, which the template's
    execution role may use."""
    return f"airflow-celery-pipelines-{settings.env}"


def queue_url(aws_endpoint: str, settings: Settings) -> str:
    return f"{aws_endpoint}/{settings.account}/{queue_name(settings)}"


def celery_env(aws_endpoint: str, database_url: str, settings: Settings, role_arn: str) -> dict[str, str]:
    """Airflow's settings for the CeleryExecutor over the local SQS, as MWAA sets them; the
    workers and the scheduler reach the queue as ``role_arn``, the execution role."""
    slots = concurrency(settings)
    queue = queue_name(settings)
    predefined = {"url": queue_url(aws_endpoint, settings)}
    transport = {
        # the only queues the transport may use (it never lists or creates one), as on MWAA
        "predefined_queues": {queue: predefined, "default": predefined},
        "region": settings.region,
        "is_secure": False,  # the local endpoint is plain HTTP on the loopback
        "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
        "sts_role_arn": role_arn,  # a session of it, renewed before it expires
    }
    host = aws_endpoint.split("://", 1)[1]
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(slots * WORKERS),
        "AIRFLOW__CELERY__BROKER_URL": f"sqs://{host}",
        # a JSON object (nested, unlike [celery_broker_transport_options]), merged over Airflow's
        "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"broker_transport_options": transport}),
        # the same, where Airflow looks first (and warns when it is missing)
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{database_url}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(slots),
        "AIRFLOW__CELERY__WORKER_AUTOSCALE": f"{slots},{slots}",
        "AIRFLOW__CELERY__WORKER_ENABLE_REMOTE_CONTROL": "False",  # SQS has no broadcast queue
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        # kombu asks STS for the role's session with the SDK's defaults: the local STS
        "AWS_ENDPOINT_URL_STS": aws_endpoint,
    }


def describe(settings: Settings) -> str:
    """The line ``make run`` prints about the workers."""
    slots = concurrency(settings)
    return (
        f"{settings.mwaa_class}: {WORKERS} Celery worker x {slots} task slots "
        f"(queue {queue_name(settings)} on the local SQS)"
    )

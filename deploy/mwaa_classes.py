"""Amazon MWAA's environment classes: what each runs and what it costs, for ``make capacity``, the
template's allowed classes and the local stacks that imitate a class's workers.

Written by hand from AWS's pages (``SOURCES``) on ``AS_OF``; a change is an edit here. Prices are
US East (N. Virginia) list prices per hour; the environment's price includes its default
schedulers, the web server and one worker (MWAA's MinWorkers default), and each worker beyond
it is billed per hour while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

AS_OF = "2026-12-06"
SOURCES = {
    "capabilities": "https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html",
    "prices": "https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/",
}
PRICE_REGION = "us-east-1"
HOURS_PER_MONTH = 730  # AWS's pricing pages' month


@dataclass(frozen=True)
class EnvironmentClass:
    name: str
    tasks_per_worker: int  # celery.worker_autoscale's default, "N,N"
    vcpu: int
    ram_gb: int
    dag_capacity: int  # the DAG count AWS sizes the class for
    schedulers: int  # the default (the environment's price includes them)
    max_workers: int
    price_per_hour: float
    worker_price_per_hour: float | None  # each worker beyond the first; None: the class has one


CLASSES = (
    EnvironmentClass("mw1.micro", 3, 1, 3, 25, 1, 1, 0.24, None),
    EnvironmentClass("mw1.small", 5, 1, 2, 50, 2, 25, 0.49, 0.055),
    EnvironmentClass("mw1.medium", 10, 2, 4, 250, 2, 25, 0.74, 0.11),
    EnvironmentClass("mw1.large", 20, 4, 8, 1000, 2, 25, 0.99, 0.22),
    EnvironmentClass("mw1.xlarge", 40, 8, 24, 2000, 2, 25, 1.98, 0.44),
    EnvironmentClass("mw1.2xlarge", 80, 16, 48, 4000, 2, 25, 3.96, 0.88),
)
BY_NAME = {c.name: c for c in CLASSES}

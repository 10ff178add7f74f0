"""The emulated services that execute for real, each a moto adapter in its own folder.

Every ``local/aws/<service>/adapter.py`` defines ``ADAPTER`` (``local.aws.adapter.ServiceAdapter``:
its replacements of moto's methods and the engine they drive). moto serves every other API of
every service as it is. Order matters only on stop: the reverse of this list.
"""

from __future__ import annotations

from local.aws.adapter import ServiceAdapter
from local.aws.athena import adapter as athena
from local.aws.context import ServiceContext
from local.aws.firehose import adapter as firehose
from local.aws.glue_crawler import adapter as glue_crawler
from local.aws.glue_jobs import adapter as glue_jobs
from local.aws.iam import adapter as iam
from local.aws.kinesis import adapter as kinesis
from local.aws.lambda_runtime import adapter as lambda_runtime
from local.aws.s3 import adapter as s3

ADAPTERS: tuple[ServiceAdapter, ...] = (
    iam.ADAPTER,
    s3.ADAPTER,
    athena.ADAPTER,
    glue_crawler.ADAPTER,
    glue_jobs.ADAPTER,
    lambda_runtime.ADAPTER,
    kinesis.ADAPTER,
    firehose.ADAPTER,
)


def install(ctx: ServiceContext) -> None:
    for adapter in ADAPTERS:
        adapter.install(ctx)


def uninstall() -> None:
    for adapter in reversed(ADAPTERS):
        adapter.uninstall()

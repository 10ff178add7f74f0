"""Local stand-in for the AWS Glue ETL library (``awsglue``), for job scripts run by the local Glue engine.

Covers what typical scripts use: ``getResolvedOptions``, ``GlueContext`` (catalog and S3 reads,
S3 writes, purges), ``Job`` and ``DynamicFrame`` on top of plain Spark DataFrames.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy, so that scripts needing only getResolvedOptions do not pay for importing pyspark.
    if name == "DynamicFrame":
        from awsglue.dynamicframe import DynamicFrame

        return DynamicFrame
    raise AttributeError(name)

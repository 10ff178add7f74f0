"""What Athena checks of the identity that started a query, as it does on AWS: the query reads and
writes S3 and the Glue Data Catalog as its caller, so a role that may start queries but not read
a table's files, register its partitions or write the result location gets the query FAILED
with Athena's reason. Every query needs the catalog's ``default`` database too. The account's
own key (tests, tools) is not checked (``local.aws.iam.adapter.caller_policy``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from local.aws.athena.errors import QueryFailed


class AccessDenied(QueryFailed):
    """Athena's reasons for a caller's missing permission carry no error-code prefix."""

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CallerAccess:
    caller: str  # the session ARN, as Athena names it in the reason
    allows: Callable[[str, str], bool]  # (IAM action, resource ARN) -> allowed
    account: str
    region: str

    def glue(self, action: str, database: str | None = None, table: str | None = None) -> None:
        """Glue checks the catalog, the database and the table a call names."""
        base = f"arn:aws:glue:{self.region}:{self.account}"
        arns = [f"{base}:catalog"]
        if database:
            arns.append(f"{base}:database/{database}")
        if database and table:
            arns.append(f"{base}:table/{database}/{table}")
        for arn in arns:
            if not self.allows(action, arn):
                raise AccessDenied(
                    "ACCESS_DENIED",
                    f"Insufficient permissions to execute the query. User: {self.caller} is not authorized to "
                    f"perform: {action} on resource: {arn}",
                )

    def read(self, bucket: str, keys: Iterable[str]) -> None:
        if not self.allows("s3:ListBucket", f"arn:aws:s3:::{bucket}"):
            raise AccessDenied("ACCESS_DENIED", f"Permission denied on S3 path: s3://{bucket}/")
        for key in keys:
            if not self.allows("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"):
                raise AccessDenied("ACCESS_DENIED", f"Permission denied on S3 path: s3://{bucket}/{key}")

    def write(self, bucket: str, key: str) -> None:
        if not self.allows("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}"):
            raise AccessDenied(
                "ACCESS_DENIED",
                f"Access denied when writing output to url: s3://{bucket}/{key} . "
                "Please ensure you are allowed to access the S3 bucket.",
            )

"""Downloader Lambda: fetch vehicle API pages and write each one to S3 as JSON lines.

Event: ``{"endpoint", "date": "YYYY-MM-DD", "pages": [n, ...], "page_size", "bucket", "prefix"?}``.
Each page's good records go to ``<prefix>/<endpoint>/creation_date=<date>/page-NNNNN.jsonl``
(the API's records, one JSON object per line, unchanged), so a retry overwrites what an earlier
attempt wrote. Its rejected records (a field missing, of another JSON type, a creation date
outside the day) go, with the reason, to the same name under ``<prefix>/_quarantine/``; a page
without any removes that object (an earlier try may have written one).
Returns ``{"endpoint", "date", "pages": [{"page", "key", "records", "rejected"}], "records",
"rejected", "total_records"}`` where ``total_records`` is the day's total as the API reported it.

The API's base URL and credentials come from the Secrets Manager secret named by the
function's ``VEHICLE_API_SECRET`` variable: never from the event, never logged. The
``pipelines.vehicle_api`` modules used here (contract, layout: shared with the DAGs) are packaged
beside this file (see ``deploy/lambda_package.py``); the API client is this folder's
``vehicle_api_client``.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3
from vehicle_api_client import ApiCredentials, VehicleApiClient, VehicleApiError, problem_kind

from pipelines.vehicle_api.contract import check_endpoint, check_page, parse_day
from pipelines.vehicle_api.layout import DEFAULT_PREFIX, page_key, quarantine_key

SECRET_ENV = "VEHICLE_API_SECRET"
MAX_PAGES_PER_EVENT = 10_000

log = logging.getLogger(__name__)
log.setLevel(logging.INFO)


class PageDownloadError(Exception):
    """A page that could not be downloaded, even after the client's retries."""


@dataclass(frozen=True)
class DownloadRequest:
    endpoint: str
    date: str
    pages: list[int]
    page_size: int
    bucket: str
    prefix: str


def parse_event(event: object) -> DownloadRequest:
    """Validate the event; a bad one fails before any request is made."""
    if not isinstance(event, dict):
        raise ValueError(f"the event must be an object, got {type(event).__name__}")
    known = {"endpoint", "date", "pages", "page_size", "bucket", "prefix"}
    unknown = sorted(set(event) - known)
    if unknown:
        raise ValueError(f"unknown event field(s): {', '.join(unknown)}")
    missing = sorted({"endpoint", "date", "pages", "page_size", "bucket"} - set(event))
    if missing:
        raise ValueError(f"missing event field(s): {', '.join(missing)}")
    endpoint = check_endpoint(event["endpoint"])
    day = parse_day(event["date"]).isoformat()
    pages = event["pages"]
    if not isinstance(pages, list) or not pages or len(pages) > MAX_PAGES_PER_EVENT:
        raise ValueError(f"pages must be a list of 1..{MAX_PAGES_PER_EVENT} page numbers")
    for page in pages:
        check_page(page, event["page_size"])
    if len(set(pages)) != len(pages):
        raise ValueError("pages must not repeat a page")
    bucket, prefix = event["bucket"], event.get("prefix", DEFAULT_PREFIX)
    if not isinstance(bucket, str) or not bucket:
        raise ValueError("bucket must be a non-empty string")
    if not isinstance(prefix, str) or not prefix.strip("/"):
        raise ValueError("prefix must be a non-empty string")
    return DownloadRequest(endpoint, day, list(pages), event["page_size"], bucket, prefix)


def read_credentials(secrets_client: Any = None) -> ApiCredentials:
    secret_id = os.environ.get(SECRET_ENV)
    if not secret_id:
        raise RuntimeError(f"the function has no {SECRET_ENV} environment variable")
    secrets_client = secrets_client or boto3.client("secretsmanager")
    return ApiCredentials.from_secret(secrets_client.get_secret_value(SecretId=secret_id)["SecretString"])


def to_json_lines(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n" for record in records).encode()


def download(request: DownloadRequest, client: VehicleApiClient, s3: Any) -> dict[str, Any]:
    written = []
    totals = set()
    for page in request.pages:
        try:
            fetched = client.get_page(request.endpoint, request.date, page, request.page_size)
        except VehicleApiError as err:
            raise PageDownloadError(f"{request.endpoint} {request.date} page {page} failed: {err}") from err
        key = page_key(request.endpoint, request.date, page, request.prefix)
        s3.put_object(
            Bucket=request.bucket, Key=key, Body=to_json_lines(fetched.records), ContentType="application/x-ndjson"
        )
        quarantine = quarantine_key(request.endpoint, request.date, page, request.prefix)
        if fetched.rejected:
            rejects = [{"page": page, **reject} for reject in fetched.rejected]
            s3.put_object(
                Bucket=request.bucket, Key=quarantine, Body=to_json_lines(rejects), ContentType="application/x-ndjson"
            )
            for reject in fetched.rejected:
                log.warning("%s %s page %d: rejected %s", request.endpoint, request.date, page, reject["reason"])
        else:
            s3.delete_object(Bucket=request.bucket, Key=quarantine)
        log.info(
            "%s %s page %d: %d records -> s3://%s/%s, %d rejected",
            request.endpoint,
            request.date,
            page,
            len(fetched.records),
            request.bucket,
            key,
            len(fetched.rejected),
        )
        written.append(
            {
                "page": page, "key": key, "records": len(fetched.records), "rejected": len(fetched.rejected),
                "rejected_by_reason": dict(Counter(problem_kind(reject["reason"]) for reject in fetched.rejected)),
            }
        )  # fmt: skip
        totals.add(fetched.info.total_records)
    if len(totals) > 1:
        raise PageDownloadError(
            f"{request.endpoint} {request.date}: the API's total_records changed during the download: {sorted(totals)}"
        )
    return {
        "endpoint": request.endpoint,
        "date": request.date,
        "pages": written,
        "records": sum(item["records"] for item in written),
        "rejected": sum(item["rejected"] for item in written),
        "total_records": totals.pop(),
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = parse_event(event)
    with VehicleApiClient.from_credentials(read_credentials()) as client:
        return download(request, client, boto3.client("s3"))

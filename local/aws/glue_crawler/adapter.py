"""Glue crawlers' moto adapter: StartCrawler really crawls (``runs.Runner``, in a thread).

StartCrawler / StopCrawler drive real runs; GetCrawler's State and LastCrawl come from them;
UpdateCrawler and GetCrawlerMetrics (which moto lacks and the Amazon provider calls) are added.
ListCrawls pages as Glue does: at most ``MaxResults`` crawls (default 20, 1 to 1,000) and a
``NextToken`` when there are more (moto: its first 20 crawls whatever was asked, and no token).
Only crawler methods are replaced (the Glue jobs adapter replaces job runs on the same classes).
"""

from __future__ import annotations

import statistics
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.glue.exceptions import CrawlerNotRunningException, CrawlerRunningException
from moto.glue.models import FakeCrawler, GlueBackend
from moto.glue.responses import GlueResponse
from moto.glue.utils import validate_crawl_filters

from local.aws.adapter import ServiceAdapter
from local.aws.glue_crawler.runs import FINISHED, CrawlRun, Runner
from local.aws.patching import Patches

MAX_CRAWLS_LISTED = 1000  # ListCrawls' MaxResults: 1 to 1,000 (the Glue API reference)
# UpdateCrawler request field -> FakeCrawler attribute.
UPDATABLE = {
    "Role": "role",
    "DatabaseName": "database_name",
    "Description": "description",
    "Targets": "targets",
    "Schedule": "schedule",
    "Classifiers": "classifiers",
    "TablePrefix": "table_prefix",
    "SchemaChangePolicy": "schema_change_policy",
    "RecrawlPolicy": "recrawl_policy",
    "LineageConfiguration": "lineage_configuration",
    "Configuration": "configuration",
    "CrawlerSecurityConfiguration": "crawler_security_configuration",
}


def _runs(crawler: FakeCrawler) -> list[CrawlRun]:
    return [c for c in crawler.crawls if isinstance(c, CrawlRun)]


def _current(crawler: FakeCrawler) -> Any:
    return crawler.crawls[-1] if crawler.crawls else None


# GlueBackend ---------------------------------------------------------------------------


def start_crawler(self: GlueBackend, name: str) -> None:
    crawler = self.get_crawler(name)
    ADAPTER.engine.start(crawler, self.region_name)


def stop_crawler(self: GlueBackend, name: str) -> None:
    crawler = self.get_crawler(name)
    run = _current(crawler)
    if not isinstance(run, CrawlRun):
        raise CrawlerNotRunningException(f"Crawler with name {name} isn't running")
    run.request_stop()


def update_crawler(self: GlueBackend, name: str, fields: dict[str, Any]) -> None:
    crawler = self.get_crawler(name)
    run = _current(crawler)
    if run is not None and run.status in ("RUNNING", "STOPPING"):
        raise CrawlerRunningException(f"Crawler with name {name} is running and cannot be updated")
    for request_key, attribute in UPDATABLE.items():
        if request_key in fields:
            setattr(crawler, attribute, fields[request_key])
    crawler.version += 1
    crawler.last_updated = utcnow()


def get_crawler_metrics(self: GlueBackend, names: list[str] | None) -> list[dict[str, Any]]:
    crawlers = [self.crawlers[n] for n in names if n in self.crawlers] if names else list(self.crawlers.values())
    metrics = []
    for crawler in crawlers:
        runs = _runs(crawler)
        done = [r for r in runs if r.finished]
        last = done[-1] if done else None
        outcome = last.outcome if last else None
        current = runs[-1] if runs and not runs[-1].finished else None
        metrics.append(
            {
                "CrawlerName": crawler.name,
                "TimeLeftSeconds": 0.0,
                "StillEstimating": current is not None,
                "LastRuntimeSeconds": round(last.elapsed_seconds, 3) if last else 0.0,
                "MedianRuntimeSeconds": round(statistics.median(r.elapsed_seconds for r in done), 3) if done else 0.0,
                "TablesCreated": len(outcome.tables_created) if outcome else 0,
                "TablesUpdated": len(outcome.tables_updated) if outcome else 0,
                "TablesDeleted": len(outcome.tables_deleted) if outcome else 0,
            }
        )
    return metrics


# FakeCrawler ---------------------------------------------------------------------------


# The target lists GetCrawler always answers with (empty when not used), and each S3 target's defaults.
TARGET_LISTS = ("S3Targets", "JdbcTargets", "MongoDBTargets", "DynamoDBTargets", "CatalogTargets",
                "DeltaTargets", "IcebergTargets", "HudiTargets")  # fmt: skip


def _as_aws_answers(data: dict[str, Any]) -> dict[str, Any]:
    """GetCrawler's Crawler with the fields AWS adds to what was sent: every target list, each
    S3 target's Exclusions, the classifiers, lineage and Lake Formation settings; absent fields left out."""
    data = {k: v for k, v in data.items() if v is not None}
    targets = dict(data.get("Targets") or {})
    for kind in TARGET_LISTS:
        targets.setdefault(kind, [])
    targets["S3Targets"] = [{"Exclusions": [], **target} for target in targets["S3Targets"]]
    data["Targets"] = targets
    data.setdefault("Classifiers", [])
    data.setdefault("LineageConfiguration", {"CrawlerLineageSettings": "DISABLE"})
    data.setdefault("LakeFormationConfiguration", {"UseLakeFormationCredentials": False, "AccountId": ""})
    return data


def crawler_as_dict(self: FakeCrawler) -> dict[str, Any]:
    """moto's ``as_dict`` as AWS answers it, with LastCrawl the last finished run, with its error."""
    data = _as_aws_answers(ADAPTER.original(FakeCrawler, "as_dict")(self))
    runs = _runs(self)
    if not runs:
        return data
    done = [r for r in runs if r.status in FINISHED]
    if done:
        data["LastCrawl"] = done[-1].last_crawl()
    else:
        data.pop("LastCrawl", None)
    current = runs[-1]
    data["CrawlElapsedTime"] = 0 if current.finished else int(current.elapsed_seconds * 1000)
    return data


# GlueResponse --------------------------------------------------------------------------


def response_update_crawler(self: GlueResponse) -> EmptyResult:
    params = self.parameters
    self.glue_backend.update_crawler(params["Name"], params)
    return EmptyResult()


def response_get_crawler_metrics(self: GlueResponse) -> ActionResult:
    metrics = self.glue_backend.get_crawler_metrics(self.parameters.get("CrawlerNameList"))
    return ActionResult({"CrawlerMetricsList": metrics})


def response_list_crawls(self: GlueResponse) -> ActionResult:
    most = self._get_int_param("MaxResults")
    if most is not None and not 1 <= most <= MAX_CRAWLS_LISTED:
        raise JsonRESTError(
            "ValidationException",
            f"1 validation error detected: Value '{most}' at 'maxResults' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_CRAWLS_LISTED}",
        )
    crawls, token = self.glue_backend.list_crawls(
        self.parameters.get("CrawlerName"),
        validate_crawl_filters(self.parameters.get("Filters", [])),
        max_results=most,
        next_token=self.parameters.get("NextToken"),
    )
    return ActionResult({"Crawls": [crawl.as_dict() for crawl in crawls], **({"NextToken": token} if token else {})})


ADAPTER = ServiceAdapter(
    "Glue crawler",
    Patches(
        (GlueBackend, "start_crawler", start_crawler),
        (GlueBackend, "stop_crawler", stop_crawler),
        (GlueBackend, "update_crawler", update_crawler),
        (GlueBackend, "get_crawler_metrics", get_crawler_metrics),
        (FakeCrawler, "as_dict", crawler_as_dict),
        (GlueResponse, "update_crawler", response_update_crawler),
        (GlueResponse, "get_crawler_metrics", response_get_crawler_metrics),
        (GlueResponse, "list_crawls", response_list_crawls),
    ),
    start=Runner,
    stop=Runner.join,
)

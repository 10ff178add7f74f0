"""The crawler's own error message in the task log of a failed crawl.

The provider's GlueCrawlerRunOperator waits with a boto waiter that reports only that
``LastCrawl.Status`` matched FAILED; why it failed is in ``LastCrawl.ErrorMessage`` and the
crawler's CloudWatch stream. This callback (on failure and on retry) reads them once.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.providers.amazon.aws.hooks.glue_crawler import GlueCrawlerHook

log = logging.getLogger(__name__)


def log_crawl_error(context: dict[str, Any]) -> None:
    """``on_failure_callback`` / ``on_retry_callback`` of a task with ``crawler_name`` and ``aws_conn_id``."""
    task = context["task"]
    try:
        crawler = GlueCrawlerHook(aws_conn_id=task.aws_conn_id).get_crawler(task.crawler_name)
    except Exception:  # the callback must never hide the task's own error
        log.exception("could not read crawler %s", task.crawler_name)
        return
    last = crawler.get("LastCrawl") or {}
    log.error(
        "Crawler %s: last crawl %s: %s (logs: CloudWatch %s, stream %s)",
        task.crawler_name,
        last.get("Status", "unknown"),
        last.get("ErrorMessage", "no error message"),
        last.get("LogGroup", "/aws-glue/crawlers"),
        last.get("LogStream", task.crawler_name),
    )

"""The failure events the pipelines published, as a subscriber reads them: from the SQS queue
that the local stack's rule on the event bus sends them to."""

from __future__ import annotations

import json
from typing import Any

from pipelines.settings import SETTINGS


def drain_failure_events(aws: Any) -> list[dict]:
    """Every event waiting in the failure queue (then deleted from it), oldest first."""
    sqs = aws.client("sqs")
    queue = sqs.get_queue_url(QueueName=SETTINGS.failure_queue)["QueueUrl"]
    events = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages"):
        for message in messages:
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return events


def events_of(events: list[dict], run_id: str) -> list[dict]:
    return [event for event in events if event["detail"]["run_id"] == run_id]

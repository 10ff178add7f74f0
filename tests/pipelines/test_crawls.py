"""A crawler configured by a DAG run: created once, then left alone while its definition is the
code's, though GetCrawler answers with fields that were not sent (as AWS does); updated when the
code changes it."""

from __future__ import annotations

import uuid

import pytest

from local.aws.credentials import ACCOUNT_ID
from pipelines.crawls import changed_fields, configure
from pipelines.settings import SETTINGS


@pytest.fixture
def config(local_aws) -> dict:
    name = f"pipelines-{SETTINGS.env}-crawls-{uuid.uuid4().hex[:8]}"
    yield {
        "Name": name,
        "Role": SETTINGS.glue_role,
        "DatabaseName": SETTINGS.raw_database,
        "Targets": {"S3Targets": [{"Path": f"s3://{SETTINGS.raw_bucket}/crawls-test/"}]},
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    }
    local_aws.client("glue").delete_crawler(Name=name)


def test_a_crawler_is_created_once_and_not_updated_while_it_is_the_codes(local_aws, config):
    glue = local_aws.client("glue")
    assert configure(config) == "created"
    answered = glue.get_crawler(Name=config["Name"])["Crawler"]
    assert answered["Targets"]["S3Targets"] == [{"Path": f"s3://{SETTINGS.raw_bucket}/crawls-test/", "Exclusions": []}]
    assert answered["Targets"]["JdbcTargets"] == [] and answered["Version"] == 1
    assert configure(config) == "unchanged"  # the hook's key-by-key diff would update here, every run
    assert glue.get_crawler(Name=config["Name"])["Crawler"]["Version"] == 1

    moved = {**config, "Targets": {"S3Targets": [{"Path": f"s3://{SETTINGS.raw_bucket}/crawls-test-2/"}]}}
    assert configure(moved) == "updated"
    assert glue.get_crawler(Name=config["Name"])["Crawler"]["Targets"]["S3Targets"][0]["Path"].endswith(
        "/crawls-test-2/"
    )


def test_only_fields_the_code_sets_and_their_meaning_count():
    current = {
        "Name": "c",
        "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/r",
        "Targets": {"S3Targets": [{"Path": "s3://b/p/", "Exclusions": []}], "JdbcTargets": []},
        "Configuration": '{"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}',
        "LineageConfiguration": {"CrawlerLineageSettings": "DISABLE"},
    }
    wanted = {
        "Name": "c",
        "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/r",
        "Targets": {"S3Targets": [{"Path": "s3://b/p/"}]},
        "Configuration": '{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}',
    }
    assert changed_fields(current, wanted) == []
    assert changed_fields(
        current, {**wanted, "Targets": {"S3Targets": [{"Path": "s3://b/p/", "Exclusions": ["*.tmp"]}]}}
    ) == ["Targets"]
    assert changed_fields(current, {**wanted, "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/other"}) == ["Role"]

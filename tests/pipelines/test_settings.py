import re
from pathlib import Path

import pytest

from pipelines.settings import load, reference

SETTINGS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_defaults_follow_the_environment_name():
    settings = load({})
    assert settings.env == "local"
    assert settings.raw_bucket == "pipelines-local-raw-123456789012"  # the local AWS's account
    assert settings.lake_database == "pipelines_local_lake"
    assert settings.athena_output_location == "s3://pipelines-local-athena-results-123456789012/results/"
    assert settings.aws_conn_id == "aws_default"


def test_environment_name_changes_every_derived_default():
    settings = load({"PIPELINES_ENV": "prod"})
    assert settings.raw_bucket == "pipelines-prod-raw-123456789012"
    assert settings.athena_workgroup == "pipelines-prod"
    assert settings.vehicle_api_secret == "pipelines/prod/vehicle-api"


def test_single_variable_overrides_one_name_only():
    settings = load({"PIPELINES_ENV": "prod", "PIPELINES_RAW_BUCKET": "acme-landing"})
    assert settings.raw_bucket == "acme-landing"
    assert settings.lake_bucket == "pipelines-prod-lake-123456789012"


def test_bucket_names_carry_the_account_they_belong_to_and_fit_s3s_rules():
    """S3 bucket names are global across all accounts: ``pipelines-prod-raw`` may be anyone's."""
    longest_env = "e" + "-" * 19 + "9"  # the template's EnvironmentName allows 2 to 21 characters
    for env in ("prod", longest_env):
        settings = load({"PIPELINES_ENV": env, "PIPELINES_AWS_ACCOUNT_ID": "111122223333"})
        buckets = [settings.raw_bucket, settings.lake_bucket, settings.athena_results_bucket, settings.artifacts_bucket]
        assert all(b.endswith("-111122223333") for b in buckets)
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", b) for b in buckets), buckets
    settings = load(
        {"PIPELINES_ENV": "prod", "PIPELINES_AWS_ACCOUNT_ID": "111122223333", "PIPELINES_AWS_REGION": "eu-west-1"}
    )
    assert settings.glue_role == "arn:aws:iam::111122223333:role/pipelines-prod-glue"
    assert settings.uber_movement_queue_url == (
        "https://sqs.eu-west-1.amazonaws.com/111122223333/pipelines-prod-uber-movement-arrivals"
    )


def test_no_default_is_left_with_a_placeholder():
    for name, value in vars(load({"PIPELINES_ENV": "x"})).items():
        assert "{" not in str(value), name


def test_the_settings_page_is_the_one_written_from_spec():
    # python -m pipelines.settings > docs/settings.md
    assert SETTINGS_PAGE.read_text() == reference()


def test_waits_are_deferred_by_default_and_can_be_switched_off_by_name():
    assert load({}).deferrable is True and load({}).poll_seconds == 10
    assert load({"PIPELINES_DEFERRABLE": "False", "PIPELINES_POLL_SECONDS": "1"}).deferrable is False
    with pytest.raises(ValueError, match="PIPELINES_DEFERRABLE must be true or false, not 'yes'"):
        load({"PIPELINES_DEFERRABLE": "yes"})

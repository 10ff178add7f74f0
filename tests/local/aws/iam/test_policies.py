"""IAM's evaluation rules, as AWS documents them, on small policies."""

from __future__ import annotations

import pytest

from local.aws.iam.policies import Request, allows, decision, key_allows

ROLE = "arn:aws:iam::111122223333:role/pipelines-prod-mwaa"
BUCKET = "arn:aws:s3:::data-111122223333"


def test_an_explicit_deny_wins_and_silence_denies():
    policy = [
        {"Effect": "Allow", "Action": "s3:*", "Resource": f"{BUCKET}/*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/keep/*"},
    ]
    assert decision(policy, Request("s3:GetObject", f"{BUCKET}/keep/a")) == "Allow"
    assert decision(policy, Request("s3:DeleteObject", f"{BUCKET}/keep/a")) == "Deny"
    assert decision(policy, Request("s3:ListBucket", BUCKET)) == "ImplicitDeny"
    assert allows(policy, Request("S3:getobject", f"{BUCKET}/x"))  # actions are case-insensitive


def test_not_action_and_not_resource():
    policy = [{"Effect": "Allow", "NotAction": "iam:*", "NotResource": f"{BUCKET}/secret/*"}]
    assert allows(policy, Request("s3:GetObject", f"{BUCKET}/public/a"))
    assert not allows(policy, Request("s3:GetObject", f"{BUCKET}/secret/a"))
    assert not allows(policy, Request("iam:PassRole", ROLE))


def test_conditions_with_a_missing_key_fail_positive_operators_and_pass_negated_ones():
    def policy(condition):
        return [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE, "Condition": condition}]

    glue = {"iam:PassedToService": "glue.amazonaws.com"}
    assert allows(
        policy({"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}), Request("iam:PassRole", ROLE, glue)
    )
    assert not allows(
        policy({"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}), Request("iam:PassRole", ROLE)
    )
    assert allows(
        policy({"StringNotEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}), Request("iam:PassRole", ROLE)
    )
    assert allows(policy({"StringEqualsIfExists": {"iam:PassedToService": "x"}}), Request("iam:PassRole", ROLE))
    assert allows(
        policy({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::data-*"}}),
        Request("iam:PassRole", ROLE, {"AWS:SourceArn": BUCKET}),
    )
    assert allows(policy({"Null": {"aws:SourceArn": "true"}}), Request("iam:PassRole", ROLE))
    with pytest.raises(ValueError, match="NumericLessThan"):
        allows(policy({"NumericLessThan": {"s3:max-keys": "10"}}), Request("iam:PassRole", ROLE))


def test_a_key_policy_naming_the_account_delegates_to_the_callers_iam_policies():
    key = "arn:aws:kms:eu-west-1:111122223333:key/k"
    key_policy = [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "kms:GenerateDataKey",
            "Resource": "*",
        },
    ]
    may_decrypt = [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}]
    role = ("AWS", ROLE)
    assert key_allows(key_policy, may_decrypt, Request("kms:Decrypt", key, principal=role))
    assert not key_allows(key_policy, may_decrypt, Request("kms:Encrypt", key, principal=role))  # IAM says nothing
    other = ("AWS", "arn:aws:iam::444455556666:role/x")
    assert not key_allows(key_policy, may_decrypt, Request("kms:Decrypt", key, principal=other))
    events = ("Service", "events.amazonaws.com")
    assert key_allows(key_policy, [], Request("kms:GenerateDataKey", key, principal=events))
    assert not key_allows(key_policy, [], Request("kms:DescribeKey", key, principal=events))  # not in the key policy

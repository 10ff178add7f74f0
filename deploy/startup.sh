#!/bin/sh
# MWAA startup script: runs on every scheduler, worker, dag-processor and api-server before
# Airflow starts. It exports the settings the DAGs read (plugins/pipelines/settings.py); every
# name defaults to pipelines-<PIPELINES_ENV>-..., so usually only the environment name is set.
export PIPELINES_ENV="${PIPELINES_ENV:-prod}"
export PIPELINES_AWS_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"

# Override single names that do not follow the pattern, for example:
# export PIPELINES_RAW_BUCKET="acme-landing-zone"
# export PIPELINES_GLUE_ROLE="arn:aws:iam::111122223333:role/acme-glue"

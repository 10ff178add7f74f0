"""Put the Glue job scripts into the artifacts bucket, where the DAGs' jobs read them
(local.provision calls this; on AWS, run it with your credentials or copy the files)."""

from __future__ import annotations

from pathlib import Path

from botocore.client import BaseClient

from pipelines.glue_runs import SHARED_MODULES
from pipelines.settings import Settings
from pipelines.uber_movement import tables as uber_movement
from pipelines.web_hits import tables as web_hits

REPO = Path(__file__).resolve().parents[1]
JOBS = (web_hits.JOB, uber_movement.JOB)
# Every file a job reads (its script, its --extra-py-files): glue/<name> is include/glue/<name>,
# or, for a module the DAGs share with the jobs, plugins/pipelines/<name>.
SHARED = {key: REPO / "plugins" / "pipelines" / key.removeprefix("glue/") for key in SHARED_MODULES}
SCRIPTS = {key: SHARED.get(key, REPO / "include" / key) for job in JOBS for key in job.files()}


def upload_glue_scripts(s3: BaseClient, settings: Settings) -> list[str]:
    """Upload every job script; returns a line per script."""
    done = []
    for key, path in SCRIPTS.items():
        s3.put_object(Bucket=settings.artifacts_bucket, Key=key, Body=path.read_bytes())
        done.append(f"glue script s3://{settings.artifacts_bucket}/{key}")
    return done


def main() -> None:
    """``python -m deploy.glue_scripts``: upload with the shell's AWS credentials and settings."""
    import boto3

    from pipelines.settings import load

    settings = load()
    for line in upload_glue_scripts(boto3.client("s3", region_name=settings.region), settings):
        print(f"ok  {line}")


if __name__ == "__main__":
    main()

"""Local Glue Spark jobs: StartJobRun runs the job's script on local PySpark (see docs/local-glue-jobs.md)."""

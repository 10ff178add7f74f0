"""Local Glue Spark jobs: StartJobRun runs the job's script on local PySpark (see docs/local-glue-jobs.md).

``adapter`` puts StartJobRun and BatchStopJobRun on moto's Glue classes; ``runs`` runs one job.
"""

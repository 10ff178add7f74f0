# The local AWS (moto + DuckDB Athena + local Glue/Spark + Lambda runtime) as a compose service.
FROM python:3.12-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless \
 && rm -rf /var/lib/apt/lists/*
COPY requirements-mwaa-image.txt requirements-dev.txt /opt/project/
COPY constraints /opt/project/constraints
RUN pip install --no-cache-dir -c /opt/project/constraints/airflow-3.3.1-py3.12.txt -r /opt/project/requirements-mwaa-image.txt -r /opt/project/requirements-dev.txt
WORKDIR /opt/project
ENV PYTHONPATH=/opt/project:/opt/project/plugins
CMD ["python", "-m", "local.aws", "--host", "0.0.0.0", "--port", "4566", "--data-dir", "/data"]

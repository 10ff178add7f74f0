# The official Airflow 3.3.1 image (Python 3.12, as on MWAA) with MWAA's package set: Airflow's
# providers as MWAA's image has them (requirements-mwaa-image.txt), then the bundle's requirements.
FROM apache/airflow:3.3.1-python3.12
COPY requirements-mwaa-image.txt requirements.txt constraints/airflow-3.3.1-py3.12.txt /tmp/pipelines/
# requirements.txt's --constraint line names MWAA's path; here the same file sits in /tmp.
RUN grep -v '^--constraint' /tmp/pipelines/requirements.txt > /tmp/pipelines/requirements-bundle.txt \
 && pip install --no-cache-dir -c /tmp/pipelines/airflow-3.3.1-py3.12.txt \
      -r /tmp/pipelines/requirements-mwaa-image.txt -r /tmp/pipelines/requirements-bundle.txt

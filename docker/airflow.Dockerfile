# The official Airflow 3.3.1 image (Python 3.12, as on MWAA) plus the project's MWAA requirements.
FROM apache/airflow:3.3.1-python3.12
COPY requirements.txt constraints/airflow-3.3.1-py3.12.txt /tmp/pipelines/
# requirements.txt's --constraint line names MWAA's path; here the same file sits in /tmp.
RUN grep -v '^--constraint' /tmp/pipelines/requirements.txt > /tmp/pipelines/requirements-image.txt \
 && pip install --no-cache-dir -c /tmp/pipelines/airflow-3.3.1-py3.12.txt -r /tmp/pipelines/requirements-image.txt

"""Athena on DuckDB: statements from StartQueryExecution really run against the Glue catalog and S3.

``executor`` runs a query; ``ddl`` and ``write`` handle statements that change the catalog or
write data; ``translate`` turns Trino SQL into DuckDB SQL; ``scan`` turns a catalog table into a
DuckDB relation over local copies of its S3 objects; ``results`` shapes what the API returns;
``adapter`` puts it on moto's Athena classes; ``errors`` holds Athena's error names.
"""

"""Shared code for the pipeline DAGs. On MWAA this package ships inside plugins.zip."""

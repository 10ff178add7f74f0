{#
The storage of the Parquet aggregates and their attempts tables, written once.
#}
STORED AS PARQUET

"""The Uber Movement pipeline (seed 004): arrival hours of replayed travel times to typed Parquet."""

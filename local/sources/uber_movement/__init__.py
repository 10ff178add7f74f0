"""Uber Movement travel times (seed 004): a sample CSV, and its replay onto a Kinesis stream."""

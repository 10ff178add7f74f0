"""Local stand-ins for the pipelines' external sources (upstream APIs), for development and tests."""

"""Helpers the tests share: one place, imported by test modules (never from another test module)."""

"""Helpers for the runtime tests (put on sys.path by conftest.py; tests run with --import-mode=importlib)."""

"""Helpers shared by the cross-service tests (tests/conftest.py puts tests/ on sys.path).

The fixture files are reached through `fitcoach_stack.fixtures` (one helper for the whole repository).
"""

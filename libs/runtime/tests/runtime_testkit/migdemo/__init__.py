"""Migrations applied by test_db (three scripts, named so that file order is the apply order)."""

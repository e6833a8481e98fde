"""Migrations whose second script fails."""

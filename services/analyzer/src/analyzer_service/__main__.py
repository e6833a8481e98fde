"""`python -m analyzer_service`. The guard matters: decode workers re-import the main module."""

from analyzer_service.main import run

if __name__ == "__main__":
    run()

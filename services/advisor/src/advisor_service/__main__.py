"""`python -m advisor_service` runs the advisor service."""

from advisor_service.main import run

if __name__ == "__main__":
    run()

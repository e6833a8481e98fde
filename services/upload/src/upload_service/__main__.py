"""`python -m upload_service` runs the upload service."""

from upload_service.main import run

if __name__ == "__main__":
    run()

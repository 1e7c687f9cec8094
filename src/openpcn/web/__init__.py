"""The web surface: FastAPI pages and JSON API over the capabilities (`create_app` in app.py)."""

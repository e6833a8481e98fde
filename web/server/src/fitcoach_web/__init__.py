"""The web app's server: static files, /config.json and (AUTH_MODE=dev only) dev sign-in."""

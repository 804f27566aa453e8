"""Browser journeys in a real headless Chromium against a live server with the demo data."""

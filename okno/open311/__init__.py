"""Open311 GeoReport v2: complaints and suggestions for Open311 clients (no models of its own)."""

"""Tests of the Open311 GeoReport v2 API."""

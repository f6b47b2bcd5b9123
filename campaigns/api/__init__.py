"""The campaigns JSON API (/api/v1/…)."""

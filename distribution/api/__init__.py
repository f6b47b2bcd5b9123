"""The sharer's JSON API (/api/v1/distribution/…)."""

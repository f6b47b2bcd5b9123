"""Writes of the campaigns: check-in, spins, grabs, gifts, rewards."""

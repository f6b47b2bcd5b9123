"""Writes about members: profiles, operator groups."""

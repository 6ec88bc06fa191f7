"""Hosted zones, record sets and the DNS engine's zone store (not built yet)."""

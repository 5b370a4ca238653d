"""Helpers shared by the op modules (public to the package, private to users)."""

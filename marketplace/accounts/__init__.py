"""Accounts: registration, login, password reset and the profile."""

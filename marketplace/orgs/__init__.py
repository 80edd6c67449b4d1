"""Organisations: profiles, verification status, members and invitations."""

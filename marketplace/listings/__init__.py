"""Listings: patents and achievements that universities offer, their attachments and search."""

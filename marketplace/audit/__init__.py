"""Audit log: one service records security-relevant events; admins read them."""

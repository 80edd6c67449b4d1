"""Implementation plans (实施方案) of enrolled universities: their pages."""

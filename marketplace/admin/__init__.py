"""Administration for the operators of the action: verification queue, users, audit log."""

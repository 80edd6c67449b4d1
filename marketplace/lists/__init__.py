"""Published lists (清单): dated, versioned selections of listings."""

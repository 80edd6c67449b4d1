"""Annual reports (实施成效) of enrolled universities, their typical cases and secondary units:
models, services and pages."""

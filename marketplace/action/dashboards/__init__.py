"""The national and university dashboards: their figures and pages."""

"""Pages that belong to no single feature: the landing page, health check, errors."""

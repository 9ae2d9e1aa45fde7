"""Running CareerBot in production: change notices between processes, metrics and health."""

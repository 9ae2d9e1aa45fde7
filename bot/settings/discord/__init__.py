"""Discord adapter for server settings: /config."""

"""Discord adapter for privacy: /mydata."""

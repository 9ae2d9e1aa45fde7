"""Discord adapter for answers: /ask, mentions, the ask channel, browsing, help, buttons."""

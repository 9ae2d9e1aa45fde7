"""Discord adapter for moderation: /kb commands, forms, gaps and access checks."""

"""Discord adapter for roadmaps: /roadmap commands, progress embeds and their buttons."""

"""Server settings: the ask channel and the knowledge moderator role."""

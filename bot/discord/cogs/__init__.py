"""One cog per feature; each only translates between Discord and the services."""

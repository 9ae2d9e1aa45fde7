"""Moderation: servers' knowledge layers, edit rules, insights, permissions, the kb CLI."""

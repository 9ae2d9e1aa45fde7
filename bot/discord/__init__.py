"""The Discord front end: the bot (app.py), its cogs, buttons, embeds and error handling."""

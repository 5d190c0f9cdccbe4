"""A local stand-in for the Telegram Bot API, for tests and for trying the bot without a token."""

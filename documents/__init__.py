"""Files the bot produces for people to print or keep: invitation sheets (later: the ledger,
the summary report). Nothing here talks to Telegram or changes the database."""

"""Health and metrics for whoever runs the bot: an HTTP endpoint (off unless HEALTH_PORT is set)
with /healthz for a supervisor's health check and /metrics in Prometheus' text format.

- vitals.py: what the running bot counts in memory (updates, errors, 429s, job runs).
- server.py: the endpoint; it reads the database through its own read-only connection.
"""

"""督导: the supervising body's roll-up, 督办 orders and the reports it asks institutions for."""

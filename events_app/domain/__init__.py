"""The domain: Piccolo tables and the services that hold the rules and the transactions.

Nothing here imports from `events_app.web` or knows about requests and responses. Services are
verb functions grouped by noun module (`accounts`, `members`, `outbox`, ...). A rule that a user
can break raises `errors.DomainError`, which carries a translatable message for the front ends.
"""

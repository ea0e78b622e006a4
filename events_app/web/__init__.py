"""The web layer: the Litestar application and thin controllers grouped by audience.

`public` (anyone), `accounts` (signing in and out), `participant` (a signed-in person's own pages),
`staff` (every staff role), `organiser` (the secretariat's back office), `admin` (accounts, audit
log, outbox). Controllers read the request, call a domain service and choose a response; the rules
live in `events_app.domain`.
"""

"""The events and competence-development platform of Hållbarhetsrådet i Västernorrland.

`domain` holds the tables and the services (the rules and the transactions) and knows nothing of
HTTP; `web` holds the Litestar application and its controllers, grouped by audience; `cli` is the
operator's command line (`events-app`).
"""

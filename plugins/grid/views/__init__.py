"""Grid pages, one module per area; ``routes.py`` is the table of every route.

- ``common``: label tables, the user's scope, grids and categories to choose from
- ``queue``: the intake queue, reporting (staff and public), duplicates, subscriptions, widgets
- ``actions``: one event's page, its state-machine actions, summons, shares, root cause, photos
- ``reports``: statistics, snapshots, district rollup and shared events, exports, ledgers, category limits
- ``grids``: grid profiles, the map, boundaries, the poster, staffing, service logs, patrols
- ``ledgers``: duty roster, proxy services, mediation cases, care visits
- ``emergency``: emergency mode and the 减负 compliance page
"""

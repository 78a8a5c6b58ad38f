"""The work of the office-hours plugin, by area. Services take the tenant from ``current()``, flush
and never commit (the view or job does)."""

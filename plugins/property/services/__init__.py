"""The property module's work: every function takes the tenant from ``current()`` and only flushes."""

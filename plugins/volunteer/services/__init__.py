"""The work of the plugin, by area. Services take the tenant from ``current()``, flush, never commit."""

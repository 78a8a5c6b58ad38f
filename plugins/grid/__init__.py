"""网格化管理: grid events from intake to closure on the working-day calendar, with honest statistics."""

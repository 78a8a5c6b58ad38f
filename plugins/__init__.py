"""First-party plugins; each registers through the entry-point group ``jiceng.plugins``."""

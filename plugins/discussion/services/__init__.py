"""The discussion station's work, by area: lists and claims, cycles, matters, meetings, publicity."""

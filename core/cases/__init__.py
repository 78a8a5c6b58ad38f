"""One case reference (案件编号) for a resident's matter as it passes between modules.

A matter raised at an office-hours reception may become a grid event, then a discussion-station
matter, then a property ticket. Each module attaches its own record to the same case, so staff
see the matter's whole path on one page, each step only to those who may see it.
"""

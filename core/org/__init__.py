"""Organization tree (组织体系), Party organizations, resident units and people."""
from flask import Flask


def init_org(app: Flask) -> None:
    from ..web import model_converter
    from .models import OrgUnit, Person
    app.url_map.converters.update(org_unit=model_converter(OrgUnit), person=model_converter(Person))

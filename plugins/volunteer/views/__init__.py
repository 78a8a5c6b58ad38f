"""志愿积分 pages, split by area; ``routes.py`` is the one table of every rule."""
from flask import Blueprint

bp = Blueprint("volunteer", __name__, template_folder="../templates")

from . import routes  # noqa: E402,F401 - the route table registers the views on bp

"""Photos attached before events counted them (migration grid_0019) still show on the event page."""
from __future__ import annotations

import pytest

from core.db import db
from core.tenancy.scopes import dispose_owner_engines
from core.testing import build_app, make_database
from core.testing import test_db_kind as database_kind
from core.testing.html import select

from .conftest import client_for, report
from .test_photos import jpeg_with_location, upload


@pytest.fixture(scope="module")
def app():
    """An app on a database of its own: this module moves the grid branch down and up again."""
    config, cleanup = make_database(database_kind())
    yield build_app(config)
    dispose_owner_engines()
    cleanup()


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output


def test_photos_stored_before_the_count_are_counted_by_the_upgrade(app, gw):
    with_photos, without = report(app, gw), report(app, gw, title="没有照片的事件")
    for name in ("before.jpg", "after.jpg"):
        upload(app, gw, with_photos, jpeg_with_location(), name)
    cli(app, "downgrade", "grid_0018", "--branch", "grid")
    cli(app, "upgrade")
    with app.app_context():
        db.engine.dispose()  # statements prepared before the column was dropped and added again
    c = client_for(app, gw.worker)
    assert len(select(c.get(f"/t/{gw.street.slug}/grid/{with_photos}").text, ".photos .thumbs img")) == 2
    assert "暂无照片" in c.get(f"/t/{gw.street.slug}/grid/{without}").text

import pytest

from core.testing import build_app

from . import sample_plugins


@pytest.fixture(scope="module")
def plugin_app(database):
    """An app with the sample plugins installed (strict mode, as in development)."""
    return build_app(database, EXTRA_PLUGINS={"chatty": sample_plugins.make_chatty(),
                                               "flaky": sample_plugins.make_flaky(),
                                               "broken": sample_plugins.make_broken()})


@pytest.fixture
def pclient(plugin_app):
    return plugin_app.test_client()

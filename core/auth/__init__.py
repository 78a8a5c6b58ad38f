"""Accounts, sessions, second factor, permissions and grants."""
from flask import Flask


def init_auth(app: Flask) -> None:
    from ..ui.models import Notification
    from ..web import model_converter
    from .models import ApiKey, RoleGrant, UserAccount
    app.url_map.converters.update(
        user=model_converter(UserAccount), role_grant=model_converter(RoleGrant),
        notification=model_converter(Notification), api_key=model_converter(ApiKey))

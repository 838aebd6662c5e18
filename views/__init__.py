"""Flask-Admin views and the few plain Flask views: thin adapters over rules/ and services/."""


def init_app(app):
    from . import admin, auth

    auth.init_app(app)
    admin.init_app(app)

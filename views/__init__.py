"""Flask-Admin views and the few plain Flask views: thin adapters over rules/ and services/."""


def init_app(app):
    from . import admin, api, auth, public, security

    auth.init_app(app)
    public.init_app(app)
    api.init_app(app)
    security.init_app(app, admin=admin.init_app(app))
    public.init_limits(app)

"""Flask-Admin views and the few plain Flask views: thin adapters over rules/ and services/."""


def init_app(app):
    from . import (
        admin,
        api,
        auth,
        case_page,
        observability,
        operations,
        public,
        second_factor,  # noqa: F401 - its pages join auth's blueprint
        security,
        single_sign_on,  # noqa: F401 - so do these
        survey,
    )

    # First: every later hook, and every error page, has the request id.
    observability.init_app(app)
    auth.init_app(app)
    public.init_app(app)
    case_page.init_app(app)
    survey.init_app(app)
    api.init_app(app)
    operations.init_app(app)
    security.init_app(app, admin=admin.init_app(app))
    public.init_limits(app)
    case_page.init_limits(app)
    survey.init_limits(app)
    # Probes and scrapes are never counted against a limit.
    app.extensions["sign_in_limiter"].exempt(operations.bp)

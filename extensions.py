"""The Flask extensions, created unbound in one place; create_app binds them to an app.

The declarative base lives here with `db` because they are made together; the models and
their column types are in models/.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


def make_limiter(app) -> Limiter:
    """The rate limiter of one application (views/security.py sets the sign-in limits on it).

    Not one module-level Limiter bound by init_app: Flask-Limiter keeps its storage and
    on/off switch on the Limiter object, so one made per application keeps apps (the tests
    make many) from sharing counts or settings. That is also why the limits are applied to
    the registered view functions in views/security.py and views/public.py rather than as
    decorators: a decorator needs the limiter when the module is imported.
    """
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["sign_in_limiter"] = limiter
    return limiter

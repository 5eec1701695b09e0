"""Flask extensions, created unbound and bound to the app in ``create_app``.

Keeping them here (and not in the factory) lets every domain package import
``db`` or ``socketio`` without importing the application itself.
"""
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic alter them later, also on SQLite (batch mode).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # ``db.Model`` is built at run time from ``Base``; the type checker sees it as ``Base``.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()

View = TypeVar("View", bound=Callable[..., Any])


def csrf_exempt(view: View) -> View:
    """``csrf.exempt`` with the view's type kept (Flask-WTF ships no type information)."""
    exempted: View = csrf.exempt(view)
    return exempted
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
socketio = SocketIO()

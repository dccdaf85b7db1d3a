"""Flask extensions, created unbound and bound in the factory."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Plain declarative base (no MappedAsDataclass: Flask-SQLAlchemy 3.1 + SQLAlchemy 2.1)."""


# Objects stay readable after commit without a new query (and, on SQLite, without a new
# write transaction in a POST request: see blogapp.database).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
csrf = CSRFProtect()
login_manager = LoginManager()
# The client address comes from request.remote_addr, which ProxyFix rewrites according
# to BLOGAPP_PROXY_COUNT: one value decides whose address every IP-keyed feature sees.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

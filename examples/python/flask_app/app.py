"""A Flask app with Flask-Login, authorizing every view with rolecall.

Run: python examples/python/flask_app/app.py   (then open http://127.0.0.1:5000/)

The first run creates a SQLite directory with demo users (see ../demo_directory.py); set
ROLECALL_DIRECTORY to keep it elsewhere (a path, or a postgresql:// URL of a filled store).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Optional

import flask_login  # type: ignore[import-untyped]
from flask import Flask, jsonify, redirect, request
from flask.typing import ResponseReturnValue

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from demo_directory import default_path, open_demo  # noqa: E402

import rolecall  # noqa: E402
from rolecall.flask import Rolecall, permission_required, scoped_permission_required  # noqa: E402

LOGIN_FORM = """<form method=post action=/login>
<input name=email placeholder=email> <input name=password type=password placeholder=password>
<button>log in</button></form><p>olga, vera or sam @acme.test: violet kettle on the moon</p>"""


def create_app(path: Optional[str] = None, *, fast_hashing: bool = False) -> Flask:
    """The app, on the demo directory at ``path``."""
    demo = open_demo(path or default_path("flask"), fast_hashing=fast_hashing)
    app = Flask(__name__)
    app.secret_key = os.environ.get("ROLECALL_SECRET_KEY") or secrets.token_urlsafe(32)
    login_manager = flask_login.LoginManager(app)
    login_manager.login_view = "login_form"
    rc = Rolecall(app, directory=demo.directory)

    @app.get("/login")
    def login_form() -> ResponseReturnValue:
        return LOGIN_FORM

    @app.post("/login")
    def login() -> ResponseReturnValue:
        try:
            rc.login(demo.tenant, request.form["email"], request.form["password"])
        except rolecall.AuthenticationError as e:
            return f"login failed ({e.kind})" + LOGIN_FORM, 401
        return redirect(request.args.get("next") or "/")

    @app.post("/logout")
    def logout() -> ResponseReturnValue:
        flask_login.logout_user()
        return redirect("/login")

    @app.get("/")
    @permission_required("campaigns.view")
    def campaigns() -> ResponseReturnValue:
        return jsonify(demo.campaigns)

    @app.post("/campaigns/<int:scope_id>/start")
    @scoped_permission_required("campaigns.control")
    def start(scope_id: int) -> ResponseReturnValue:
        return jsonify(started=scope_id)

    return app


if __name__ == "__main__":
    create_app().run(port=5000)

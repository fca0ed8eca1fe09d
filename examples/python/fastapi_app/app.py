"""A FastAPI app authorizing every route with rolecall.

Run: python examples/python/fastapi_app/app.py   (then open http://127.0.0.1:8000/docs)

The first run creates a SQLite directory with demo users (see ../demo_directory.py); set
ROLECALL_DIRECTORY to keep it elsewhere (a path, or a postgresql:// URL of a filled store)
and ROLECALL_SECRET_KEY to sign tokens with a key of yours.

    curl -s -X POST localhost:8000/login -H 'content-type: application/json' \\
         -d '{"email": "sam@acme.test", "password": "violet kettle on the moon"}'
    curl -s -X POST localhost:8000/campaigns/1/start -H "authorization: Bearer $TOKEN"
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Optional

from fastapi import Depends, FastAPI
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from demo_directory import default_path, open_demo  # noqa: E402

from rolecall.fastapi import Principal, Rolecall, require, require_scoped  # noqa: E402


class Credentials(BaseModel):
    email: str
    password: str


class Token(BaseModel):
    token: str
    must_change_password: bool


def create_app(path: Optional[str] = None, *, fast_hashing: bool = False) -> FastAPI:
    """The app, on the demo directory at ``path``."""
    demo = open_demo(path or default_path("fastapi"), fast_hashing=fast_hashing)
    app = FastAPI(title="rolecall FastAPI example")
    key = os.environ.get("ROLECALL_SECRET_KEY") or secrets.token_urlsafe(32)
    rc = Rolecall(demo.directory, secret_key=key)
    rc.init_app(app)  # a failed login answers 401

    @app.post("/login")
    def login(body: Credentials) -> Token:
        result = rc.login(demo.tenant, body.email, body.password)
        return Token(token=result.token, must_change_password=result.must_change_password)

    @app.get("/campaigns")
    def campaigns(who: Annotated[Principal, Depends(require("campaigns.view"))]) -> dict[str, int]:
        return demo.campaigns

    @app.post("/campaigns/{scope_id}/start")
    def start(
        scope_id: int, who: Annotated[Principal, Depends(require_scoped("campaigns.control"))]
    ) -> dict[str, str]:
        return {"started": str(scope_id), "by": demo.directory.user(who.user).email}

    @app.get("/users")
    def users(who: Annotated[Principal, Depends(require("users.view"))]) -> list[str]:
        return [u.email for u in demo.directory.search_users(demo.tenant).items]

    return app


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(create_app(), host="127.0.0.1", port=8000)

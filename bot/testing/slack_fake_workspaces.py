"""Many workspaces on the mock Slack Web API: bot tokens per workspace, the OAuth v2 install
(`oauth.v2.access` with a code, or a refresh token when token rotation is on) and the Home tab
(`views.publish`). Mixed into ``FakeSlackApi``.

::

    fake.add_oauth_app("cid", "csecret")
    code = fake.new_install_code("T2", team_name="Second School", user_id="U9", rotation=False)
    # the app's redirect handler calls oauth.v2.access(code=…) → a fresh xoxb- token for T2
    fake.workspace_of(call.token)      # which workspace a recorded call acted in
    fake.home_views[("T2", "U9")]      # the Home tab last published for that user

``auth.test`` answers with the workspace of the token it is called with; a token that was never
handed out (or was revoked with ``fake.revoke(team_id)``) is ``invalid_auth``. With rotation, a
token expires after ``expires_in`` seconds (``oauth.v2.access`` with ``grant_type=refresh_token``
hands out the next one; the old one stays valid until it expires, as on Slack).
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeWorkspace:
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    installer: str
    tokens: set[str] = field(default_factory=set)
    refresh_token: str | None = None


@dataclass
class _Code:
    team_id: str
    rotation: bool
    used: bool = False


class WorkspacesMixin:
    """The multi-workspace part of ``FakeSlackApi`` (it calls ``_init_workspaces`` in __init__)."""

    token: str
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    app_id: str

    def _init_workspaces(self) -> None:
        self.workspaces: dict[str, FakeWorkspace] = {}
        self.oauth_apps: dict[str, str] = {}  # client id -> client secret
        self.home_views: dict[tuple[str, str], dict[str, Any]] = {}
        self.expires_in = 43200
        self._codes: dict[str, _Code] = {}
        self._token_team: dict[str, str] = {}
        self._issued = itertools.count(1)

    def add_oauth_app(self, client_id: str, client_secret: str) -> None:
        self.oauth_apps[client_id] = client_secret

    def add_workspace(self, team_id: str, team_name: str = "", *, installer: str = "U1") -> FakeWorkspace:
        n = len(self.workspaces) + 2
        ws = self.workspaces.get(team_id) or FakeWorkspace(team_id, team_name or f"Team {team_id}",
                                                           f"UBOT{n}", f"BBOT{n}", installer)
        self.workspaces[team_id] = ws
        return ws

    def new_install_code(self, team_id: str, team_name: str = "", *, user_id: str = "U1",
                         rotation: bool = False) -> str:
        """A code Slack would hand the redirect after `user_id` allowed the app in `team_id`."""
        self.add_workspace(team_id, team_name, installer=user_id).installer = user_id
        code = f"code-{team_id}-{next(self._issued)}"
        self._codes[code] = _Code(team_id, rotation)
        return code

    def issue_token(self, team_id: str) -> str:
        """A new bot token for the workspace, as an install would hand out."""
        return self._new_token(self.add_workspace(team_id))

    def revoke(self, team_id: str) -> None:
        """Slack forgets the workspace's tokens (an uninstall)."""
        ws = self.workspaces.get(team_id)
        if ws is not None:
            for token in ws.tokens:
                self._token_team.pop(token, None)
            ws.tokens.clear()

    def workspace_of(self, token: str | None) -> str | None:
        """The team a token acts in (the default token: ``team_id``)."""
        if token == self.token:
            return self.team_id
        return self._token_team.get(token or "")

    def _token_known(self, token: str) -> bool:
        return token == self.token or token in self._token_team

    def _new_token(self, ws: FakeWorkspace) -> str:
        token = f"xoxb-{ws.team_id}-{next(self._issued)}"
        ws.tokens.add(token)
        self._token_team[token] = ws.team_id
        return token

    def _auth_test_for(self, token: str | None) -> dict[str, Any] | None:
        team = self._token_team.get(token or "")
        if team is None:
            return None
        ws = self.workspaces[team]
        return {"url": f"https://{team.lower()}.slack.com/", "team": ws.team_name, "user": "debatebot",
                "team_id": team, "user_id": ws.bot_user_id, "bot_id": ws.bot_id, "is_enterprise_install": False}

    def _client_auth(self, request: web.Request, args: dict[str, Any]) -> tuple[str, str]:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return client_id, secret
        return str(args.get("client_id") or ""), str(args.get("client_secret") or "")

    def _oauth_v2_access(self, request: web.Request, args: dict[str, Any]) -> dict[str, Any]:
        client_id, secret = self._client_auth(request, args)
        if client_id not in self.oauth_apps:
            return {"ok": False, "error": "invalid_client_id"}
        if self.oauth_apps[client_id] != secret:
            return {"ok": False, "error": "bad_client_secret"}
        if args.get("grant_type") == "refresh_token":
            ws = next((w for w in self.workspaces.values()
                       if w.refresh_token and w.refresh_token == args.get("refresh_token")), None)
            if ws is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            ws.refresh_token = f"xoxe-1-{ws.team_id}-{next(self._issued)}"
            return {"ok": True, "app_id": self.app_id, "access_token": self._new_token(ws), "token_type": "bot",
                    "scope": "commands,chat:write", "refresh_token": ws.refresh_token, "expires_in": self.expires_in,
                    "team": {"id": ws.team_id, "name": ws.team_name}, "bot_user_id": ws.bot_user_id,
                    "enterprise": None, "is_enterprise_install": False}
        grant = self._codes.get(str(args.get("code") or ""))
        if grant is None or grant.used:
            return {"ok": False, "error": "invalid_code"}
        grant.used = True
        ws = self.workspaces[grant.team_id]
        answer: dict[str, Any] = {
            "ok": True, "app_id": self.app_id, "authed_user": {"id": ws.installer},
            "scope": "commands,chat:write,chat:write.public,users:read,usergroups:read,files:write,im:write,"
                     "app_mentions:read",
            "token_type": "bot", "access_token": self._new_token(ws), "bot_user_id": ws.bot_user_id,
            "team": {"id": ws.team_id, "name": ws.team_name}, "enterprise": None, "is_enterprise_install": False,
        }
        if grant.rotation:
            ws.refresh_token = f"xoxe-1-{ws.team_id}-{next(self._issued)}"
            answer.update(refresh_token=ws.refresh_token, expires_in=self.expires_in)
        return answer

    def _views_publish(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        view = args.get("view")
        if not args.get("user_id") or not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        team = self.workspace_of(token) or self.team_id
        self.home_views[(team, str(args["user_id"]))] = view
        return {"ok": True, "view": {"id": f"VH{next(self._issued)}", "team_id": team, "type": "home", **view}}

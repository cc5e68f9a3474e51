"""Authentication for the API: bearer tokens for machines, the session (with CSRF) for the
browser. Authorisation is not decided here: selectors and services apply the access policy."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from peaceops.accounts.selectors import user_for_token
from peaceops.accounts.services import token_rejected


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            token_rejected(request=request, prefix=token[:10])
            return None
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


AUTH = [TokenAuth(), ActiveSessionAuth()]

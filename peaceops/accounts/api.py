"""REST endpoints about the caller: who am I, and my API tokens."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from peaceops.accounts import selectors, services
from peaceops.accounts.models import ApiToken
from peaceops.core.schema import InputSchema

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    mission: str | None
    role: str
    clearance: str


class MeOut(Schema):
    username: str
    memberships: list[MembershipOut]


class TokenIn(InputSchema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str


def _token(token: ApiToken) -> dict[str, Any]:
    return {field: getattr(token, field) for field in TokenOut.model_fields}


@router.get("/me", response=MeOut, summary="The signed-in user and their memberships")
def me(request: HttpRequest) -> dict[str, Any]:
    return {
        "username": request.user.get_username(),
        "memberships": [
            {
                "mission": m.mission.acronym if m.mission else None,
                "role": m.role,
                "clearance": m.clearance,
            }
            for m in selectors.memberships_for_user(request.user)
        ],
    }


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    return [_token(t) for t in request.user.api_tokens.order_by("-created_at")]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    summary="Create an API token (the secret is shown once)",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    token, secret = services.api_token_create(user=request.user, name=payload.name)
    return Status(201, {**_token(token), "token": secret})


@router.delete("/tokens/{int:token_id}", response={204: None}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> Status:
    services.api_token_revoke(actor=request.user, token_id=token_id)
    return Status(204, None)

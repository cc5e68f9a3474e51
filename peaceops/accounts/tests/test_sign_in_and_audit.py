import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from peaceops.accounts.models import ApiToken, Membership, SecurityEvent
from peaceops.accounts.selectors import token_digest, user_for_token
from peaceops.accounts.services import api_token_create, api_token_revoke, membership_grant
from peaceops.core.errors import NotFound, PermissionDenied, ValidationFailed
from peaceops.core.roles import Role
from peaceops.testing.factories import PASSWORD, UserFactory, member


def sign_in(client: Client, username: str, password: str):
    return client.post("/sign-in/", {"username": username, "password": password})


def test_production_hasher_is_argon2():
    from peaceops import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        assert make_password("secret").startswith("argon2$argon2id$")


def test_sign_in_success_and_failure_are_audited(db):
    user = UserFactory(username="amina")
    client = Client()
    response = sign_in(client, "amina", "wrong")
    assert response.status_code == 401
    assert "User name or password is wrong." in response.content.decode()
    response = sign_in(client, "amina", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    events = list(
        SecurityEvent.objects.order_by("pk").values_list(
            "kind", "username", "user_id", "ip_address"
        )
    )
    assert events == [
        ("login_failed", "amina", None, "127.0.0.1"),
        ("login", "amina", user.pk, "127.0.0.1"),
    ]
    client.post("/sign-out/")
    assert SecurityEvent.objects.filter(kind="logout", user=user).count() == 1


def test_sign_in_is_throttled_after_repeated_failures(db):
    UserFactory(username="amina")
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert sign_in(client, "amina", "wrong").status_code == 401
    # Even the right password is refused now, without being checked.
    response = sign_in(client, "amina", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert SecurityEvent.objects.filter(kind="login_throttled").count() == 1
    assert "_auth_user_id" not in client.session
    # Another user name from the same address is not affected.
    UserFactory(username="bilal")
    assert sign_in(client, "bilal", PASSWORD).status_code == 302


def test_inactive_user_cannot_sign_in(db):
    UserFactory(username="gone", is_active=False)
    assert sign_in(Client(), "gone", PASSWORD).status_code == 401


def test_sign_in_page_has_csrf_protection(db):
    UserFactory(username="amina")
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "amina", PASSWORD)
    assert response.status_code == 403


def test_tokens_are_hashed_at_rest_and_revocable(db):
    user = UserFactory()
    token, secret = api_token_create(user=user, name="sms gateway")
    assert secret.startswith("po_")
    assert len(secret) == 46
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == token_digest(secret)
    assert secret not in (stored.digest, stored.prefix, stored.name)
    assert stored.prefix == secret[:10]
    assert user_for_token(secret) == user
    api_token_revoke(actor=user, token_id=token.pk)
    assert user_for_token(secret) is None
    kinds = list(SecurityEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["token_created", "token_revoked"]


def test_a_user_cannot_revoke_someone_elses_token(db):
    owner, other = UserFactory(), UserFactory()
    token, secret = api_token_create(user=owner, name="x")
    with pytest.raises(NotFound):
        api_token_revoke(actor=other, token_id=token.pk)
    assert user_for_token(secret) == owner


def test_token_api_round_trip(db):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    created = client.post("/api/v1/tokens", {"name": "gateway"}, content_type="application/json")
    assert created.status_code == 201
    secret = created.json()["token"]
    listed = client.get("/api/v1/tokens").json()
    assert [(t["name"], t["revoked_at"]) for t in listed] == [("gateway", None)]
    assert "token" not in listed[0]
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.json() == {"username": user.username, "memberships": []}
    assert client.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 204
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert SecurityEvent.objects.filter(kind="token_rejected").count() == 1


def test_membership_grant_is_audited_and_needs_an_admin(mission, other_mission):
    admin = member(mission, Role.MISSION_ADMIN)
    target = UserFactory()
    membership_grant(
        actor=admin, user=target, mission_id=mission.pk, role=Role.ANALYST, clearance="confidential"
    )
    assert list(
        Membership.objects.filter(user=target).values_list("mission__acronym", "role", "clearance")
    ) == [("MINUSCA", "analyst", "confidential")]
    event = SecurityEvent.objects.get(kind="permission_change")
    assert event.user == admin
    assert event.details == {
        "change": "grant",
        "target_user": target.pk,
        "mission": mission.pk,
        "role": "analyst",
        "clearance": "confidential",
    }
    with pytest.raises(PermissionDenied):  # admin of one mission only
        membership_grant(
            actor=admin,
            user=target,
            mission_id=other_mission.pk,
            role="analyst",
            clearance="internal",
        )
    with pytest.raises(PermissionDenied):  # global roles need a system administrator
        membership_grant(
            actor=admin, user=target, mission_id=None, role="hq_reader", clearance="internal"
        )
    assert Membership.objects.filter(user=target).count() == 1
    assert SecurityEvent.objects.filter(kind="permission_change").count() == 1


def test_membership_grant_validation(system_admin, mission):
    target = UserFactory()
    with pytest.raises(ValidationFailed) as caught:
        membership_grant(
            actor=system_admin, user=target, mission_id=None, role="analyst", clearance="internal"
        )
    assert caught.value.fields == {"mission": ["This role needs a mission."]}
    with pytest.raises(ValidationFailed) as caught:
        membership_grant(
            actor=system_admin,
            user=target,
            mission_id=mission.pk,
            role="king",
            clearance="internal",
        )
    assert caught.value.fields == {"role": ["Unknown role: king"]}
    membership_grant(
        actor=system_admin, user=target, mission_id=None, role="hq_reader", clearance="internal"
    )
    assert Membership.objects.get(user=target).mission is None


def test_revoking_membership_removes_access_at_once(mission):
    from peaceops.accounts.services import membership_revoke
    from peaceops.testing.clients import client_for
    from peaceops.testing.factories import make_incident

    make_incident(mission)
    admin = member(mission, Role.MISSION_ADMIN)
    analyst = member(mission, Role.ANALYST, "internal")
    client = client_for(analyst)
    assert client.get("/api/v1/incidents/count").json() == {"count": 1}
    membership_revoke(actor=admin, membership=Membership.objects.get(user=analyst))
    assert client.get("/api/v1/incidents/count").json() == {"count": 0}


def test_mission_admin_cannot_grant_above_own_clearance(mission):
    admin = member(mission, Role.MISSION_ADMIN, "internal")
    target = UserFactory()
    with pytest.raises(PermissionDenied, match="You cannot grant a clearance above your own."):
        membership_grant(
            actor=admin,
            user=target,
            mission_id=mission.pk,
            role="analyst",
            clearance="confidential",
        )
    with pytest.raises(PermissionDenied):
        membership_grant(
            actor=admin,
            user=admin,
            mission_id=mission.pk,
            role="analyst",
            clearance="strictly_confidential",
        )
    assert not Membership.objects.filter(user=target).exists()
    assert Membership.objects.filter(user=admin).count() == 1
    membership_grant(
        actor=admin, user=target, mission_id=mission.pk, role="analyst", clearance="internal"
    )
    assert Membership.objects.filter(user=target).count() == 1


def test_rejected_tokens_are_logged_at_most_once_a_minute_per_address(db):
    client = Client()
    for _ in range(20):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer po_nonsense").status_code == 401
    assert SecurityEvent.objects.filter(kind="token_rejected").count() == 1
    other = Client(REMOTE_ADDR="10.0.0.9")
    other.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer po_nonsense")
    assert SecurityEvent.objects.filter(kind="token_rejected").count() == 2

from django.test import Client

from peaceops.accounts.models import User


def client_for(user: User | None) -> Client:
    """A test client signed in as `user` (anonymous for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client

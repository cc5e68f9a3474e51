"""REST endpoints of the warning app (mounted by peaceops.api.main)."""

from ninja import Router

router = Router(tags=["warning"])

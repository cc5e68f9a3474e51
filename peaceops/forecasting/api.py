"""REST endpoints of the forecasting app (mounted by peaceops.api.main)."""

from ninja import Router

router = Router(tags=["forecasting"])

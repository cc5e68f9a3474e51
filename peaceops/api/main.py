"""The REST API: each app's router mounted under /api/v1/."""

from ninja import NinjaAPI

from peaceops.accounts.api import router as accounts_router
from peaceops.api import errors
from peaceops.api.auth import AUTH
from peaceops.forecasting.api import router as forecasting_router
from peaceops.incidents.api import router as incidents_router
from peaceops.incidents.api_imports import router as imports_router
from peaceops.incidents.map_api import router as map_router
from peaceops.missions.api import router as missions_router
from peaceops.warning.api import router as warning_router
from peaceops.warning.api_channels import router as channels_router

api = NinjaAPI(
    title="peaceops API",
    version="1",
    description=(
        "Incidents, missions and areas of the peaceops platform. Authenticate with a bearer "
        "token (`Authorization: Bearer po_...`) or a browser session. Every list, count and "
        "aggregate is limited to what the caller may see (missions and clearance). Errors "
        'share one shape: `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
)
errors.install(api)
api.add_router("/", accounts_router)
api.add_router("/", missions_router)
# Before the incidents router: its /incidents/{incident_id} would match "map-points".
api.add_router("/", map_router)
api.add_router("/", incidents_router)
api.add_router("/", imports_router)
api.add_router("/", warning_router)
api.add_router("/", channels_router)
api.add_router("/", forecasting_router)

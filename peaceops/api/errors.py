"""One JSON shape for every error: {"error": {"code", "message", "fields"}}."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from peaceops.core.errors import PeaceopsError


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(location: list[Any]) -> str:
    # ("body", "payload", "casualties", 0, "low") -> "casualties[0].low"; query params by name.
    parts = [p for p in location if p not in ("body", "payload", "query", "path", "filters")]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_failed",
    429: "throttled",
}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(PeaceopsError)
    def peaceops_error(request: HttpRequest, exc: PeaceopsError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(exc.code, exc.message, getattr(exc, "fields", None)),
            status=exc.status,
        )

    @api.exception_handler(NinjaValidationError)
    def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for item in exc.errors:
            fields.setdefault(_field_name(list(item.get("loc", []))), []).append(
                item.get("msg", "")
            )
        return api.create_response(
            request,
            error_body("validation_failed", _("Some fields are not valid."), fields),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body("not_authenticated", _("Sign in or send a valid API token.")),
            status=401,
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request,
            error_body("payload_too_large", _("The request body is too large.")),
            status=413,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

"""Error types shared by every app. Each carries a stable code that the API returns."""

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _


class PeaceopsError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)


class ValidationFailed(PeaceopsError):
    """Input refused; `fields` maps each offending field to its reasons."""

    code = "validation_failed"
    status = 422
    default_message = _("Some fields are not valid.")

    def __init__(self, fields: Mapping[str, Sequence[str]], message: str | None = None) -> None:
        self.fields = {
            name: [str(reason) for reason in reasons] for name, reasons in fields.items()
        }
        super().__init__(message)


class ConflictError(PeaceopsError):
    code = "conflict"
    status = 409
    default_message = _(
        "This record was changed by someone else. Reload it and apply your change again."
    )


class PermissionDenied(PeaceopsError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotFound(PeaceopsError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PayloadTooLarge(PeaceopsError):
    code = "payload_too_large"
    status = 413
    default_message = _("The upload is too large.")


class InvalidTransition(PeaceopsError):
    code = "invalid_transition"
    status = 409
    default_message = _("This action is not possible in the record's current state.")


class ThrottledError(PeaceopsError):
    code = "throttled"
    status = 429
    default_message = _("Too many failed attempts. Wait a few minutes and try again.")


class FieldErrors:
    """Collects reasons per field while validating, then raises them all at once."""

    def __init__(self) -> None:
        self._fields: dict[str, list[str]] = {}

    def add(self, field: str, reason: str) -> None:
        self._fields.setdefault(field, []).append(str(reason))

    def __contains__(self, field: object) -> bool:
        return field in self._fields

    def __bool__(self) -> bool:
        return bool(self._fields)

    def raise_if_any(self) -> None:
        if self._fields:
            raise ValidationFailed(self._fields)

"""Base class for API input schemas: unknown keys are refused (a misspelt field is an error,
not a silent no-op)."""

from ninja import Schema
from pydantic import ConfigDict


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")

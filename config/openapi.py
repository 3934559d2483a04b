"""The OpenAPI tells the truth about errors: each operation lists the error answers it can give
(config.api's exception handler makes them), with components describing their bodies.

Which answers an operation can give is read from the operation itself, so a new endpoint is
documented without a decorator: 400 where it reads a body or a query, 401 and 403 where it
needs a sign-in, 404 where a parameter names something (an id, a page), 409 where it writes,
429 where it is throttled."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"
SCHEMAS = {
    ERROR: {
        "type": "object",
        "description": "Why the request was refused, in words for a person.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERROR: {
        "type": "object",
        "description": "Each key names a field of the request (`non_field_errors` for the request "
        "as a whole; for a list, the index of the item) and holds its messages, or the errors of "
        "the fields inside it. A body that cannot be read at all answers `detail`.",
        "additionalProperties": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/ValidationError"}]
                    },
                },
                {"$ref": "#/components/schemas/ValidationError"},
            ]
        },
    },
}
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
}
DESCRIPTIONS = {
    "400": "The request is not valid: nothing was written.",
    "401": "Not signed in, or the token is unknown, expired or revoked.",
    "403": "Signed in, but this role or API client may not do this.",
    "404": "No such thing, or one you may not know of: the two answer alike.",
    "409": "The write clashed with another made at the same moment: nothing was written; send it again.",
    "429": "Too many requests: wait as Retry-After says.",
}
# Operations whose service rate-limits them (identifier searches, emergency access) besides
# those with throttle classes; each names why.
RATE_LIMITED = {
    "v1_persons_list": "Too many identifier searches this minute: see Retry-After.",
    "v1_persons_create": "Too many identifier searches this minute (a new person's identifiers are "
    "checked as a search is): see Retry-After.",
    "v1_persons_break_glass_create": "Too many identifier searches this minute: see Retry-After.",
}
PAGINATION_PARAMETERS = {"page", "page_size"}
# Ids are database keys (config.urls.IdRouter reads at most 18 digits); pages count from 1.
BOUNDS = {"id": {"minimum": 1, "maximum": 10**18 - 1}, "page": {"minimum": 1, "maximum": 2**31 - 1}}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for name, schema in SCHEMAS.items():
            self.registry.register_on_missing(
                ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            )
        for parameter in operation.get("parameters", []):
            if parameter["schema"].get("type") == "integer":
                kind = "id" if parameter["in"] == "path" else parameter["name"]
                parameter["schema"].update(BOUNDS.get(kind, {}))
        responses = operation["responses"]
        for code in self._error_codes(operation):
            answer = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            if code == "429" and operation["operationId"] in RATE_LIMITED:
                answer["description"] = RATE_LIMITED[operation["operationId"]]
            body = VALIDATION_ERROR if code == "400" else ERROR
            answer["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}}
            if code == "429":
                answer["headers"] = RETRY_AFTER
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        queries = [p for p in parameters if p["in"] == "query" and p["name"] not in PAGINATION_PARAMETERS]
        signed_in = not all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = []
        if "requestBody" in operation or queries:
            codes.append("400")
        if signed_in:
            codes += ["401", "403"]
        if parameters:
            codes.append("404")
        if self.method in WRITES:
            codes.append("409")
        if self.view.get_throttles() or operation["operationId"] in RATE_LIMITED:
            codes.append("429")
        return codes

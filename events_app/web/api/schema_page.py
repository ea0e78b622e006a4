"""The API's documentation page at /api/v1/schema, drawn on the server from the OpenAPI document.

Litestar's viewers (Scalar, Swagger, Redoc) load their scripts from a CDN. This origin holds the
scanner's tokens and the staff's session cookies, so no script from elsewhere may run on it: the
page is plain HTML from our own template, with the stylesheet we ship, and the machine-readable
document stays at /api/v1/schema/openapi.json.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

from events_app.templating import environment

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any] | None) -> str:
    """`#/components/schemas/EventOut` -> `EventOut`; a list of them -> `EventOut[]`."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return _schema_name(schema.get("items")) + "[]"
    return str(schema.get("type", ""))


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation, in the document's order, with what a reader needs of it."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": operation.get("operationId") or f"{method}-{path}",
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "secured": bool(operation.get("security")),
                    "parameters": [
                        {**parameter, "type": _schema_name(parameter.get("schema"))}
                        for parameter in operation.get("parameters", [])
                    ],
                    "body": _schema_name(body.get("schema")),
                    "responses": [
                        {"status": status, "description": response.get("description", "")}
                        for status, response in operation.get("responses", {}).items()
                    ],
                }
            )
    return found


def _schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    schemas = document.get("components", {}).get("schemas", {})
    return [
        {
            "name": name,
            "description": schema.get("description", ""),
            "fields": [
                {
                    "name": field,
                    "type": _schema_name(spec) or _schema_name((spec.get("oneOf") or [{}])[0]),
                    "required": field in schema.get("required", []),
                    "description": spec.get("description", ""),
                }
                for field, spec in schema.get("properties", {}).items()
            ],
        }
        for name, schema in sorted(schemas.items())
    ]


class ServerRenderedDocs(OpenAPIRenderPlugin):
    """The OpenAPI document as one HTML page: the operations, then the schemas they use."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        page = environment().get_template("api/schema.html")
        return page.render(
            info=openapi_schema.get("info", {}),
            operations=_operations(openapi_schema),
            schemas=_schemas(openapi_schema),
            json_url=self.get_openapi_json_route(request),
            stylesheet=request.app.route_reverse("static", file_path="site.css"),
        ).encode()

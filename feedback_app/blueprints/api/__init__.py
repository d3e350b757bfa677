"""The queue-machine JSON API, ``/api/v1`` (spec §6): ticket events in, tickets and their survey QR URLs out.

One flask-smorest ``Blueprint`` (``bp``) with route modules, one ``Api`` built per application by
:func:`init_api`. Machines authenticate with a unit's bearer token, checked in ``before_request`` before any body
is read; the views are marked ``public`` for the role matrix because a token, not a login, protects them. The
OpenAPI document (``/api/v1/openapi.json``) and its Swagger UI page (``/api/v1/docs``, assets served by the app
from the ``swagger-ui-bundle`` package, no CDN) are public. Every error under ``/api/v1`` is JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any, TypeVar

import swagger_ui_bundle
from flask import Flask, Response, g, jsonify, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from ...access import public
from ...extensions import csrf, db
from ...headers import allow_own_scripts
from ...request_guard import NulInJson, reject_hostile_input
from ...services.api_tokens import verify_api_token
from ...services.errors import DomainError
from .schemas import (
    ApiErrorSchema,
    TicketEventBatchResultSchema,
    TicketEventBatchSchema,
    TicketEventResultSchema,
    TicketEventSchema,
    TicketSchema,
)

F = TypeVar("F", bound=Callable[..., Any])
URL_PREFIX = "/api/v1"
SECURITY_SCHEME = "bearerAuth"

bp = Blueprint("api", __name__, url_prefix=URL_PREFIX, description="Queue-machine API (JSON only).")

DESCRIPTION = """
Queue machines send ticket events; Suara Warga derives each ticket's times (spec §2.3) and gives back a survey URL
to print as a QR code on the ticket, so the citizen's answer is attributed to the employee who served them.

**Authentication.** Every request carries `Authorization: Bearer sw_…`, a token of one unit created by its admin
(*Loket & QR → Token API*) or with `flask --app wsgi api-token create --unit SLUG --name NAME`. The token is shown
once; only its SHA-256 is stored. A missing, unknown or revoked token is `401` with a JSON error, whatever the body.
A token touches its own unit only: an event naming another unit's counter is refused with `403` (per item in a
batch), and another unit's tickets are not found (`404`).

**One event or a batch.** `POST /api/v1/ticket-events` takes one event object, or `{"events": [...]}` with 1 to
1,000 events in any order (order is by `at`, never by arrival).

* One event: `200` with its result (`stored` or `already_stored`, and the ticket), or the error itself: `422`
  (`403` for another unit's counter) with `field` and `message`.
* A batch: `200` whenever the envelope is valid, with one result per event in request order. Good events are
  stored even when others fail; a failed event has `status: "error"`, `code: 422` (or `403`), `field`, `message`.
  A result of an `issued` event carries the ticket and its `survey_url`. An envelope that is not valid (not JSON,
  no `events` list, more than 1,000 events) is `400`/`422` and stores nothing.

**Idempotent.** An event's key is (your unit, `external_id`, `event`, `at`). Sending it again changes nothing and
answers `already_stored` with the same ticket; retry freely after a timeout. A whole batch sent twice changes
nothing the second time.

**Refused events (422, naming the field).** Unknown counter (`counter`), unknown service type (`service_type`),
unknown NIP (`employee_nip`), a bad event name or a missing field, `at` more than 5 minutes ahead of the server
(`at`), and contradictions of spec §6: a different counter or service type than the ticket already has; a second
`issued`, or any event before the ticket's `issued` (`at`); a second `finished`/`no_show`, or anything but
`returned` after it (`at`). A ticket moves to another counter only as a new ticket.

**Derived times.** `issued_at`, first `called_at`, first `started_at`, `finished_at`, `outcome`, `returned`, and
who served: the employee of the `finished` event, else of the latest `started`, else of the latest `called`.
Until a ticket's `issued` event arrives its `issued_at` is its earliest event.

**Languages.** Messages are Indonesian; add `?lang=en` for English.
"""

API_CONFIG = {
    "API_TITLE": "Suara Warga queue-machine API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": URL_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": f"{URL_PREFIX}/docs/assets/",
    # No request may leave the building: Swagger UI's default online validator badge is switched off.
    "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None, "deepLinking": True},
}


def _translated(code: int, fallback: str) -> str:
    """The API's own message for an HTTP error, in the visitor's language."""
    messages = {
        400: _("Permintaan tidak dapat diproses."),
        401: _("Token API tidak ada, tidak dikenal atau sudah dicabut."),
        403: _("Token ini tidak berhak atas sumber ini."),
        404: _("Alamat atau data tidak ditemukan."),
        405: _("Metode HTTP ini tidak didukung di alamat ini."),
        413: _("Isi permintaan terlalu besar."),
        500: _("Terjadi kesalahan di sistem kami. Coba lagi beberapa saat lagi."),
        503: _("Basis data sedang tidak dapat dihubungi; tidak ada yang disimpan. Kirim lagi setelah Retry-After."),
    }
    return messages.get(code, fallback)


def field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's messages as the document promises them: ``{field: [message, ...]}``, nested fields dotted
    (``events.0.at``). A message given as one (lazy) string, not a list, becomes a list of one."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, (list, tuple)) and any(isinstance(item, dict) for item in messages):
        flat = {}
        for item in messages:
            flat.update(field_errors(item, prefix))
        return flat
    items = messages if isinstance(messages, (list, tuple)) else [messages]
    return {prefix or "_schema": [str(item) for item in items]}


def first_error(messages: Any) -> tuple[str | None, str]:
    """The field and message to name first out of marshmallow's ``{field: [messages]}``."""
    if isinstance(messages, dict) and messages:
        field, value = next(iter(messages.items()))
        while isinstance(value, dict) and value:
            value = next(iter(value.values()))
        message = value[0] if isinstance(value, list) and value else value
        return (None if field == "_schema" else str(field)), str(message)
    return None, str(messages)


def error_response(
    code: int, message: str, *, field: str | None = None, errors: Any = None, headers: dict[str, str] | None = None
) -> Response:
    """The JSON body of every API error (``ApiErrorSchema``)."""
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": str(message)}
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = field_errors(errors)
    response = jsonify(body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unauthorized() -> Response:
    return error_response(401, _translated(401, ""), headers={"WWW-Authenticate": 'Bearer realm="suara-warga"'})


def http_error(error: HTTPException) -> Response:
    code = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    if code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="suara-warga"'
    data = getattr(error, "data", None)
    messages = data.get("messages") if isinstance(data, dict) else None
    if code == 422 and isinstance(messages, dict) and messages:
        # flask-smorest's query arguments: {"query": {"period": [...]}}; name the field like a body error does
        by_field = next(iter(messages.values())) if len(messages) == 1 else messages
        field, message = first_error(by_field)
        return error_response(422, message, field=field, errors=by_field, headers=headers)
    return error_response(code, _translated(code, error.description or HTTPStatus(code).phrase), headers=headers)


@bp.before_request
def authenticate() -> Response | None:
    """The bearer token decides, before any body is read: a bad token is 401 whatever was sent."""
    scheme, _space, credentials = request.headers.get("Authorization", "").partition(" ")
    token = verify_api_token(credentials.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return unauthorized()
    g.api_token = token
    reject_hostile_input()
    return None


def require_scope(scope: str) -> Callable[[F], F]:
    """Let a request through only with a token holding ``scope`` (``API_SCOPES``); else 403 before any body is read."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not g.api_token.has_scope(scope):
                db.session.commit()  # the token's last use
                return error_response(403, _("Token ini tidak punya hak akses %(scope)s.", scope=scope))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


@bp.errorhandler(ValidationError)
def invalid_input(error: ValidationError) -> Response:
    field, message = first_error(error.messages)
    return error_response(422, message, field=field, errors=error.messages)


@bp.errorhandler(NulInJson)
def nul_in_json(error: NulInJson) -> Response:
    if error.reason == "surrogate":
        message = _("Teks memuat kode Unicode yang tidak sah (surrogate U+D800–U+DFFF tanpa pasangan).")
    else:
        message = _("Teks tidak boleh memuat karakter NUL (kode 0).")
    return error_response(422, message, field=error.field or None, errors={error.field or "_schema": [message]})


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> Response:
    return error_response(422, str(error))


@bp.errorhandler(InternalServerError)
def server_error(error: InternalServerError) -> Response:
    return http_error(error)


class SuaraWargaApi(Api):
    """flask-smorest's ``Api`` with our conventions: public documentation views, Swagger UI assets served
    locally, and JSON errors only under ``/api/v1`` (the rest of the site keeps its HTML error pages)."""

    ERROR_SCHEMA = ApiErrorSchema

    @public
    def _openapi_json(self) -> Any:
        return super()._openapi_json()

    @public
    def _openapi_swagger_ui(self) -> Any:
        """Swagger UI with its start-up script under the page's CSP nonce (the only page that runs scripts)."""
        allow_own_scripts()
        return render_template(
            "api/docs.html",
            title=self.spec.title,
            spec_url=url_for(f"{self._make_doc_blueprint_name()}.openapi_json"),
            swagger_ui_url=self._swagger_ui_url,
            swagger_ui_config=self.config.get("OPENAPI_SWAGGER_UI_CONFIG", {}),
        )

    def _register_swagger_ui_rule(self, blueprint: Any) -> None:
        super()._register_swagger_ui_rule(blueprint)
        blueprint.add_url_rule("/docs/assets/<path:filename>", endpoint="swagger_ui_asset", view_func=swagger_ui_asset)

    def _register_error_handlers(self) -> None:
        """Nothing app-wide here; see :func:`_json_errors_under_api`."""


@public
def swagger_ui_asset(filename: str) -> Response:
    """Swagger UI's scripts and styles from the installed ``swagger-ui-bundle`` package (works offline)."""
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=24 * 3600)


def _json_errors_under_api(app: Flask) -> None:
    """Answer HTTP errors under ``/api/v1`` (including unknown paths and wrong methods, which belong to no
    blueprint) in JSON; hand every other path to the site's HTML error pages registered before."""
    page_handler = app.error_handler_spec[None][None].get(HTTPException)

    def handle(error: HTTPException) -> Any:
        if request.path == URL_PREFIX or request.path.startswith(URL_PREFIX + "/"):
            return http_error(error)
        return page_handler(error) if page_handler is not None else error

    app.register_error_handler(HTTPException, handle)


def init_api(app: Flask) -> Api:
    """Register the API, its OpenAPI document and reference page. Call after the site's error handlers."""
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = SuaraWargaApi(spec_kwargs={"info": {"description": DESCRIPTION}, "security": [{SECURITY_SCHEME: []}]})
    api.init_app(app)
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sw_ + 43 URL-safe characters",
            "description": "A unit's API token (admin page Token API, or `flask api-token create`).",
        },
    )
    for name, schema in (
        ("TicketEvent", TicketEventSchema),
        ("TicketEventBatch", TicketEventBatchSchema),
        ("Ticket", TicketSchema),
        ("TicketEventResult", TicketEventResultSchema),
        ("TicketEventBatchResult", TicketEventBatchResultSchema),
    ):
        api.spec.components.schema(name, schema=schema)
    api.register_blueprint(bp)
    csrf.exempt(bp)  # bearer tokens, no cookies: nothing for a cross-site form to ride on
    _json_errors_under_api(app)
    return api


from . import indicators, ticket_events, tickets  # noqa: E402,F401  (route modules register on bp)

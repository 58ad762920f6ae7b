"""The FastAPI service: create_app() builds the app; the lifespan opens the store and loads the agenda."""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import EmbedderProvider
from api.routes import health, jobs, passages, priorities, report, scores, statements
from core.config import Settings
from core.errors import InvalidQuery, NotFound, SgwatchError, StoreUnavailable

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Domain error -> (status, problem type slug, title). Order matters: first isinstance match wins.
_ERROR_MAP: list[tuple[type[Exception], int, str, str]] = [
    (NotFound, 404, "not-found", "Not found"),
    (InvalidQuery, 422, "invalid-query", "Invalid query"),
    (StoreUnavailable, 503, "store-unavailable", "Store unavailable"),
]

_STATUS_TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
                  409: "Conflict", 422: "Invalid query", 500: "Internal error", 503: "Service unavailable"}


class Problem(BaseModel):
    """An error, as every route returns it (RFC 9457 problem details)."""

    type: str = Field(description="Problem type, e.g. /problems/invalid-query.")
    title: str = Field(description="Short summary of the problem type.")
    status: int = Field(description="HTTP status code.")
    detail: str = Field(description="What went wrong, naming the parameter when one is at fault.")
    errors: list[dict[str, str]] | None = Field(default=None, description="One entry per invalid parameter.")


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: _problem_response("Not found."),
    422: _problem_response("Invalid parameter: the detail names it and says what is wrong."),
    503: _problem_response("The store is unavailable."),
}


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem response."""
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _param_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # loc is ("query", "limit") or ("path", "statement_id"); the last str part names the parameter.
    names = [str(x) for x in loc if x not in ("query", "path", "body", "header", "cookie")]
    return ".".join(names) or "request"


def describe_validation_error(err: dict[str, Any]) -> str:
    """One line naming the parameter and what is wrong with it."""
    name = _param_name(err.get("loc", ()))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return f"{name}: required parameter is missing"
    if kind == "greater_than_equal":
        return f"{name}: must be at least {ctx.get('ge')}, got {value!r}"
    if kind == "less_than_equal":
        return f"{name}: must be at most {ctx.get('le')}, got {value!r}"
    if kind == "int_parsing":
        return f"{name}: expected an integer, got {value!r}"
    if kind == "literal_error":
        return f"{name}: must be one of {ctx.get('expected')}, got {value!r}"
    if kind == "string_too_long":
        got = len(value) if isinstance(value, str) else "?"
        return f"{name}: too long ({got} characters), at most {ctx.get('max_length')} allowed"
    if kind == "string_too_short":
        return f"{name}: must not be empty"
    return f"{name}: {err.get('msg', 'invalid value')}"


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem+json responses."""

    @app.exception_handler(SgwatchError)
    async def _domain(_: Request, exc: SgwatchError) -> JSONResponse:
        for cls, status, slug, title in _ERROR_MAP:
            if isinstance(exc, cls):
                return problem(status, slug, title, str(exc) or title)
        log.exception("unmapped sgwatch error", exc_info=exc)
        return problem(500, "internal-error", "Internal error", "the server failed to answer this request")

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"parameter": _param_name(e.get("loc", ())), "message": describe_validation_error(e)}
            for e in exc.errors()
        ]
        return problem(422, "invalid-query", "Invalid query", "; ".join(e["message"] for e in errors),
                       errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _STATUS_TITLES.get(exc.status_code, "Error")
        slug = title.lower().replace(" ", "-")
        response = problem(exc.status_code, slug, title, str(exc.detail))
        for key, value in (exc.headers or {}).items():  # e.g. WWW-Authenticate on 401
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Backend exception types must not leak to clients; the log keeps the trace.
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "internal-error", "Internal error", "the server failed to answer this request")


class CacheHeaders:
    """ETag and Cache-Control on successful GET answers; 304 when If-None-Match already has the body.

    Pure ASGI (not BaseHTTPMiddleware) so streamed exports pass through untouched: only answers with a
    Content-Length (whole bodies) are hashed; streams get Cache-Control only.
    """

    def __init__(self, app: Any, max_age: int, private_prefixes: tuple[str, ...] = ("/jobs",)) -> None:
        self.app, self.max_age, self.private_prefixes = app, max_age, private_prefixes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(self.private_prefixes):
            policy = "no-store"
        elif path == "/health":
            policy = "no-cache"
        else:
            policy = f"public, max-age={self.max_age}"
        inm = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"if-none-match"), None)
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def wrapped(message: dict[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if message["status"] != 200:
                    await send(message)
                    return
                headers.append((b"cache-control", policy.encode()))
                message = {**message, "headers": headers}
                if not any(k.lower() == b"content-length" for k, _ in headers):
                    await send(message)  # a stream: no ETag, nothing buffered
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            headers = [*start["headers"], (b"etag", etag.encode())]
            if inm is not None and etag in [t.strip().removeprefix("W/") for t in inm.split(",")]:
                kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, wrapped)


def _warm(warm: Any) -> None:
    try:
        warm()
    except Exception:  # warming is an optimisation: the first query retries and reports
        log.exception("could not prepare the search index at startup")
        return
    # The app, torch and the index make a few hundred thousand long-lived objects; a full garbage
    # collection walking them stalls a request for 100-300 ms. Freezing them keeps collections short.
    gc.collect()
    gc.freeze()


def _default_embedder_factory(settings: Settings) -> Any:
    from nlp.embed import Embedder  # heavy (torch): imported on the first semantic query only

    return Embedder(settings.model_name, settings.embed_cache_path, settings.embed_batch_size)


def _model_id(settings: Settings) -> str:
    from nlp.embed import Embedder  # constructing it is cheap: the model itself loads on first encode

    return str(Embedder(settings.model_name).model_id)


def create_app(settings: Settings | None = None, *, embedder: Any | None = None) -> FastAPI:
    """Build the API; settings come from the environment when None, embedder loads lazily when None."""
    s = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from core.store import open_store
        from nlp.agenda import load_agenda

        s.ensure_dirs()
        app.state.settings = s
        app.state.agenda = load_agenda(s.agenda_path)
        if embedder is not None:
            provider = EmbedderProvider(lambda: embedder, model_id=str(embedder.model_id), instance=embedder)
        else:
            provider = EmbedderProvider(lambda: _default_embedder_factory(s), model_id=_model_id(s))
        app.state.embedder = provider
        try:
            app.state.store = open_store(s)
        except StoreUnavailable:
            # Serve anyway: /priorities works and store-backed routes answer 503 until a restart.
            log.exception("store unavailable at startup")
            app.state.store = None
        warm = getattr(app.state.store, "warm", None)
        if s.api_warm_search and warm is not None:
            # Index and vectors load in the background; a query arriving meanwhile waits for them.
            threading.Thread(target=_warm, args=(warm,), name="sgwatch-warm", daemon=True).start()
        try:
            yield
        finally:
            store, app.state.store = app.state.store, None
            if store is not None:
                store.close()
            if embedder is None:  # an injected embedder belongs to the caller
                provider.close()

    app = FastAPI(
        title="sgwatch",
        summary="What the UN Secretary-General says about an advocacy agenda, month by month.",
        description=(
            "Search SG statements and passages, see which agenda priorities each passage addresses, "
            "and read monthly compliance scores with the evidence behind them. "
            "Errors are `application/problem+json`."
        ),
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(CacheHeaders, max_age=s.api_cache_max_age)
    if s.cors_origins:
        # Added last, so it runs first: preflight answers and CORS headers on every response.
        app.add_middleware(CORSMiddleware, allow_origins=s.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "If-None-Match"], expose_headers=["ETag"])
    install_error_handlers(app)
    for module in (health, priorities, statements, passages, scores, report, jobs):
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
    return app

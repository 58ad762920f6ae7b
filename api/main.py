"""The FastAPI service: create_app() builds the app; the lifespan opens the store and loads the agenda."""

from __future__ import annotations

import logging
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
from api.routes import health, passages, priorities, report, scores, statements
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

_STATUS_TITLES = {404: "Not found", 405: "Method not allowed", 422: "Invalid query", 500: "Internal error",
                  503: "Service unavailable"}


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
        return problem(exc.status_code, slug, title, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Backend exception types must not leak to clients; the log keeps the trace.
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "internal-error", "Internal error", "the server failed to answer this request")


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
    if s.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=s.cors_origins, allow_methods=["GET"], allow_headers=["*"])
    install_error_handlers(app)
    for module in (health, priorities, statements, passages, scores, report):
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
    return app

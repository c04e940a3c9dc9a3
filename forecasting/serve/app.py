"""The FastAPI application: routes, the API key check and error bodies (see ``serve/__init__.py``)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field

from ..store.database import Store
from .service import BadRequest, ForecastService, NotFound


class PlanRow(BaseModel):
    """One planned period of one series; other keys are drivers of the run (e.g. a holiday flag)."""

    model_config = ConfigDict(extra="allow")
    unique_id: str
    ds: date
    price: float | None = None
    promo: float | None = Field(None, ge=0, le=1)


class ForecastRequest(BaseModel):
    """What to forecast; every key is optional (all series, the trained horizon, the default plan)."""

    model_config = ConfigDict(extra="forbid")
    unique_ids: list[str] | None = None
    horizon: int | None = Field(None, ge=1)
    future: list[PlanRow] | None = None


class ForecastRow(BaseModel):
    unique_id: str
    ds: str
    yhat: float
    yhat_lo_80: float | None = None
    yhat_hi_80: float | None = None
    yhat_lo_95: float | None = None
    yhat_hi_95: float | None = None


class ForecastAnswer(BaseModel):
    run: str
    version: int
    forecast: list[ForecastRow]


def create_app(store: Store, api_key: str | None) -> FastAPI:
    """The API over ``store``; ``api_key=None`` turns the key check off (local use only, see ``serve``)."""
    service = ForecastService(store)
    app = FastAPI(title="Demand forecasting studio API", version="1",
                  description="Forecasts from the saved runs of the workspace store.")
    header = APIKeyHeader(name="X-API-Key", auto_error=False)

    def authorised(key: str | None = Depends(header)) -> None:
        if api_key is not None and not (key and secrets.compare_digest(key.encode(), api_key.encode())):
            raise HTTPException(status_code=401, detail="missing or wrong X-API-Key")

    @app.exception_handler(NotFound)
    def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(BadRequest)
    def bad_request(_request: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": list(exc.loc), "msg": exc.message, "type": "value_error"}]})

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/runs", dependencies=[Depends(authorised)])
    def runs() -> list[dict[str, Any]]:
        return service.runs()

    @app.post("/runs/{name}/forecast", dependencies=[Depends(authorised)], response_model=ForecastAnswer)
    def forecast(name: str, request: ForecastRequest | None = None) -> JSONResponse:
        request = request or ForecastRequest()
        future = None if request.future is None else [row.model_dump(exclude_none=True) for row in request.future]
        answer = service.forecast(name, request.unique_ids, request.horizon, future)
        return JSONResponse(answer)

    return app

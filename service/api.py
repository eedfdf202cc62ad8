"""The HTTP service lives in ``service.web``; this name is kept for ``uvicorn service.api:create_app --factory``."""

from service.web.app import create_app

__all__ = ["create_app"]

"""The routes' dependencies run on the event loop: no thread hop for what does no I/O."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant

from follicle.web.app import create_app

from .test_authorization import api_routes


def _dependencies(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def _on_the_loop(call: Callable[..., Any]) -> bool:
    method = getattr(call, "__call__", None)  # noqa: B004 - a class instance (HTTPBearer)
    return any(
        inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) for f in (call, method)
    )


def test_every_dependency_of_every_route_is_a_coroutine() -> None:
    # FastAPI runs a plain function dependency on a worker thread: a hop there and back
    # for each request. What blocks (the session's lookup) hops on purpose, by itself.
    app = create_app("sqlite://")
    routes = [route for _, route in api_routes(app.routes)]
    assert len(routes) > 50  # the pages and the API
    plain = {
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in _dependencies(route.dependant)
        if not _on_the_loop(call)
    }
    assert plain == set()

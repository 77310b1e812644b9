"""The registry's web application: FastAPI, server-rendered Jinja2 pages and HTMX.

:func:`follicle.web.app.create_app` builds the application; ``follicle serve`` runs it
with uvicorn. Pages live in :mod:`follicle.web.routes` (one module per resource), the
session, CSRF and header rules in :mod:`follicle.web.security`, and the role and site
guards every route declares in :mod:`follicle.web.deps`.
"""

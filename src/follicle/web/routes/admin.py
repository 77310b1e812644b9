"""Administration: people (role and sites) and sites. Admins only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from follicle.errors import Conflict, FollicleError, NotFound, WorkbookInvalid
from follicle.store.access import accounts
from follicle.store.access.passwords import password_problem
from follicle.web.deps import Admin, FormDep, RegistryDep
from follicle.web.forms import frame_text
from follicle.web.pages import render

router = APIRouter()


def _page(
    request: Request, reg: RegistryDep, *, message: str = "", error: str = "", status: int = 200
) -> Response:
    with reg.read() as connection:
        users = frame_text(accounts.list_users(connection))
        site_frame = accounts.list_sites(connection)
    sites = list(zip(site_frame["code"], site_frame["name"], strict=True))
    for row in users:
        row["site_list"] = [s for s in row["sites"].split(",") if s]  # type: ignore[assignment]
    return render(
        request,
        "admin.html",
        {
            "nav": "admin",
            "users": users,
            "sites": sites,
            "roles": accounts.ROLES,
            "message": message,
            "error": error,
        },
        status_code=status,
    )


@router.get("/admin/users")
def users_page(request: Request, user: Admin, reg: RegistryDep) -> Response:
    """People and sites, with forms to add them."""
    return _page(request, reg)


@router.post("/admin/users")
def add_user(request: Request, user: Admin, reg: RegistryDep, form: FormDep) -> Response:
    """Create an account (audited)."""
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    role = str(form.get("role", ""))
    sites = [str(s) for s in form.getlist("sites")]
    problem = password_problem(password, username=username)
    if problem is not None:  # NIST SP 800-63B: long enough, not common, not the name
        return _page(request, reg, error=problem[:1].upper() + problem[1:] + ".", status=422)
    try:
        with reg.write() as connection:
            accounts.create_user(connection, username, password, role, sites, actor=user.username)
    except (Conflict, WorkbookInvalid, ValueError, FollicleError) as exc:
        return _page(request, reg, error=str(exc), status=422)
    return RedirectResponse("/admin/users?added=user", status_code=303)


@router.post("/admin/users/{user_id}/sites")
def set_sites(
    request: Request, user_id: int, user: Admin, reg: RegistryDep, form: FormDep
) -> Response:
    """Replace the sites of one account (audited)."""
    sites = [str(s) for s in form.getlist("sites")]
    with reg.write() as connection:
        if accounts.get_user(connection, user_id) is None:
            raise NotFound(f"user {user_id}")
        accounts.set_user_sites(connection, user_id, sites, actor=user.username)
    return RedirectResponse("/admin/users?changed=sites", status_code=303)


@router.post("/admin/sites")
def add_site(request: Request, user: Admin, reg: RegistryDep, form: FormDep) -> Response:
    """Create a site (audited)."""
    code = str(form.get("code", "")).strip()
    name = str(form.get("name", "")).strip()
    if not code or not name:
        return _page(request, reg, error="A site needs a code and a name.", status=422)
    try:
        with reg.write() as connection:
            accounts.create_site(connection, code, name, actor=user.username)
    except (Conflict, ValueError, FollicleError) as exc:
        return _page(request, reg, error=str(exc), status=422)
    return RedirectResponse("/admin/users?added=site", status_code=303)

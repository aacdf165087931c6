"""Where to send someone back after a form: the one safe reading of a `next` parameter, or
of a link the portal stored earlier."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, *, default: str, field: str = "next", target: str | None = None) -> str:
    """The path in `field` (POST, else GET), or `target` when given (a stored link), when it
    is a path on this site ("/diary/"), else `default`. Anything else (another host, "//evil",
    "/\\evil", "javascript:", a bare word such as "undefined") falls back to `default`; it is
    never reversed as a URL name."""
    if target is None:
        target = request.POST.get(field) or request.GET.get(field) or ""
    target = target.strip()
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default

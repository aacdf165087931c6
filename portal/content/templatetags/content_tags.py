from django import template

from portal.content.selectors import suggested_articles

register = template.Library()


@register.inclusion_tag("content/partials/guidance_links.html")
def guidance_links(viewer, *tags, limit=3):
    """A short "Read more" list of library articles matching any of the tags.

    `{% guidance_links request.user "sleep" "side-effects" %}`; a list argument is
    flattened, so `{% guidance_links request.user condition_slugs %}` works too.
    Renders nothing when no article the viewer may read carries the tags.
    """
    slugs = []
    for tag in tags:
        slugs.extend(tag if isinstance(tag, list | tuple | set) else [tag])
    articles = suggested_articles(viewer=viewer, tags=[str(s) for s in slugs], limit=limit)
    return {"articles": articles}

from django import template
from django.template.defaultfilters import filesizeformat

from portal.lib.formats import when

register = template.Library()


@register.filter
def in_zone_of(instant, user):
    """An instant in the viewer's own time zone: "Thu 26 Nov 2026, 19:10"."""
    return when(instant, user.timezone)


@register.filter
def file_size(value):
    return filesizeformat(value)

"""The portal's one way of writing doses, dates and times in templates (portal.lib.formats):
{{ step.dose_mg|dose }} → "1.5 mg", {{ day|day_format }} → "26 Nov 2026",
{{ checkin.starts_at|when:user.timezone }} → "Thu 26 Nov 2026, 7:10 pm"."""

from django import template

from portal.lib import formats

register = template.Library()


@register.filter
def mg(value) -> str:
    """4.500 → "4.5" (the number only)."""
    return formats.mg(value)


@register.filter
def dose(value) -> str:
    """4.500 → "4.5 mg"."""
    return formats.dose(value)


@register.filter(expects_localtime=True)
def day_format(value) -> str:
    return formats.day(value)


@register.filter
def short_day(value) -> str:
    return formats.short_day(value)


@register.filter(expects_localtime=True)
def time_format(value) -> str:
    """A time of day: "7:10 pm"."""
    return formats.clock(value)


@register.filter
def when(instant, zone_name: str) -> str:
    return formats.when(instant, zone_name)

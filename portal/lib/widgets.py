"""Form widgets: a date picker and a time picker the browser helps with, in ISO format, and a
select for long lists."""

from django import forms
from django.utils.html import conditional_escape as escape
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def attributes(attrs: dict) -> str:
    """As Django's widgets/attrs.html writes them: in order, True as a bare name, False left
    out."""
    written = (
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )
    return mark_safe("".join(written))  # noqa: S308 (each escaped by format_html)


class LongSelect(forms.Select):
    """A select of a long list (the time zones: about 600 options), written here rather than
    through Django's select template, which renders a template for each option (10 ms for
    the time zones against 1.5 ms): the same HTML, option for option (Select.optgroups:
    groups, and the first option of the value selected)."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        has_selected = False

        def option(choice, label) -> str:
            nonlocal has_selected
            choice = "" if choice is None else str(choice)
            selected = not has_selected and choice in value
            has_selected |= selected
            mark = " selected" if selected else ""
            return f'<option value="{escape(choice)}"{mark}>{escape(label)}</option>'

        written = []
        for choice, label in self.choices:
            if isinstance(label, (list, tuple)):
                options = "".join(option(*c) for c in label)
                written.append(f'<optgroup label="{escape(choice)}">{options}</optgroup>')
            else:
                written.append(option(choice, label))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            attributes(self.build_attrs(self.attrs, attrs)),
            mark_safe("".join(written)),  # noqa: S308 (every value and label escaped)
        )


def option_input(option) -> str:
    """One radio or checkbox of a field (a BoundWidget), as its `tag` writes it
    (django/forms/widgets/input.html), without rendering a template for each: a diary day
    has about 70 of them."""
    widget = option.data
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', value) if value is not None else "",
        attributes(widget["attrs"]),
    )

"""Showing a service's refusal on the form the person filled in."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError, *, field_names: dict | None = None) -> None:
    """Put a service's ValidationError on the form: next to its field when the form has that
    field (a service's field name may be mapped to the form's with `field_names`), at the
    top otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (field_names or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)

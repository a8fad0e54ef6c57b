"""What an admin change form sends back unchanged, so a test can change one field of it."""

from django.forms import MultiWidget


def change_form_data(page) -> dict:
    """The form's fields (a split date and time as its two parts), the inlines' management
    forms and their existing rows."""
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        widget = form.fields[name].widget
        if isinstance(widget, MultiWidget):
            parts = value if isinstance(value, list) else widget.decompress(value)
            names = [f"{name}{suffix}" for suffix in widget.widgets_names]
            data |= dict(zip(names, parts, strict=True))
        else:
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {
            f"{management.prefix}-{name}": management[name].value() for name in management.fields
        }
        for row in inline.formset.initial_forms:
            data |= {
                row.add_prefix(name): row[name].value()
                for name in row.fields
                if row[name].value() is not None
            }
    return data

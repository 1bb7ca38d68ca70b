"""Form fields shared by several areas."""

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (the _forms.html macro knows it)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def invalid_fields(form) -> list:
    """The fields of ``form`` that have errors, those inside lists of sub-forms included, for
    the error summary of the _forms.html macro (each links to its field by id)."""
    found = []
    for field in form:
        if field.type in ("FieldList", "FormField"):
            found.extend(invalid_fields(field))
        elif field.errors and field.type not in ("CSRFTokenField", "HiddenField"):
            found.append(field)
    return found

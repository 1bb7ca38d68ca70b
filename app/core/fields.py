"""Form fields shared by several areas."""

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (the _forms.html macro knows it)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

"""The audit trail's change list renders any field name, including ones that shadow dict methods."""
from django.template.loader import render_to_string


def test_a_change_to_a_field_named_items_is_listed_like_any_other():
    html = render_to_string("web/partials/diff.html", {"diff": {"items": [None, [3, 4]], "keys": [1, 2]}})
    assert "<code>items</code>" in html and "<ins>3, 4</ins>" in html and "<code>keys</code>" in html

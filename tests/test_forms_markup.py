"""Form markup: required selects start on an empty "Choose…" option and say what is missing,
groups of checkboxes are fieldsets with a legend, and a field in error names its error."""

import re

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from marketplace.forms import ChoiceField, required
from tests.conftest import post, zh
from tests.factories import LISTING_FORM


def _select(html: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>.*?</select>', html, re.S)
    assert match, f"no select {name}"
    return match.group(0)


def test_a_required_select_without_a_value_starts_on_an_empty_choose_option(client, tto):
    html = client.get("/manage/listings/new").get_data(as_text=True)
    for name in ("kind", "field", "legal_status", "grade"):
        select = _select(html, name)
        assert " required" in select
        first = re.search(r"<option[^>]*>[^<]*</option>", select).group(0)
        assert first == f'<option value="" selected>{zh("Choose…")}</option>'


def test_leaving_a_required_select_on_choose_says_which_choice_is_missing(client, tto):
    response = post(client, "/manage/listings/new", {**LISTING_FORM, "grade": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    label = zh("Grade")
    assert zh("Choose an option for “%(label)s”.", label=label) in html
    assert "Not a valid choice" not in html and "无效的选择" not in html
    select = _select(html, "grade")
    assert 'aria-invalid="true"' in select and 'aria-describedby="grade-errors"' in select
    assert 'id="grade-errors"' in html
    # What was typed is kept.
    assert LISTING_FORM["title"] in html


def test_a_select_with_a_value_has_no_placeholder_and_no_required_attribute(app):
    class Form(FlaskForm):
        number = ChoiceField("Number", coerce=int, choices=[SelectChoice(1, "one"), SelectChoice(2, "two")],
                             validators=[required()])

    with app.test_request_context():
        form = Form(meta={"csrf": False}, data={"number": 2})
        html = str(form.number())
    assert "required" not in html and 'value=""' not in html
    assert '<option selected value="2">two</option>' in html


def test_a_required_select_with_a_single_option_shows_it_chosen(app):
    class Form(FlaskForm):
        role = ChoiceField("Role", choices=[SelectChoice("company", "Company")], validators=[required()])

    with app.test_request_context():
        html = str(Form(meta={"csrf": False}).role())
    assert html == '<select id="role" name="role"><option selected value="company">Company</option></select>'


def test_an_empty_choice_of_a_coerced_select_is_refused_with_the_required_message(app):
    class Form(FlaskForm):
        number = ChoiceField("Number", coerce=int, choices=[SelectChoice(1, "one")], validators=[required()])

    with app.test_request_context(method="POST", data={"number": ""}):
        form = Form(meta={"csrf": False})
        assert not form.validate()
        assert form.number.errors == [zh("Choose an option for “%(label)s”.", label="Number")]


def test_checkbox_groups_are_fieldsets_with_a_legend_and_no_label_names_a_list(client, tto):
    html = client.get("/manage/listings/new").get_data(as_text=True)
    group = re.search(r'<fieldset class="choice-group"[^>]*>\s*<legend>([^<]+)</legend>\s*<ul id="modes"',
                      html)
    assert group and group.group(1) == zh("Conversion modes offered")
    list_ids = set(re.findall(r'<ul[^>]* id="([^"]+)"', html))
    label_targets = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    assert list_ids and not list_ids & label_targets


def test_a_field_in_error_names_its_hint_and_its_errors(client, tto):
    response = post(client, "/manage/listings/new", {**LISTING_FORM, "ipc_codes": "not a code"})
    assert response.status_code == 422
    field = re.search(r'<input[^>]*name="ipc_codes"[^>]*>', response.get_data(as_text=True)).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="ipc_codes-hint ipc_codes-errors"' in field

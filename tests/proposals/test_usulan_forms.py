"""proposals.usulan_forms: the staff forms of residents' usulan, the RT's meeting, carry-over."""

from datetime import date

from proposals.usulan_forms import MeetingForm


def test_the_meeting_date_is_given_to_the_date_picker_as_an_iso_date():
    # The browser's date picker reads only ISO dates; the page's Indonesian format
    # (04/03/2026) would show an empty picker when the form is shown again with its date.
    html = str(MeetingForm(initial={"held_on": date(2026, 3, 4)})["held_on"])
    assert 'type="date"' in html
    assert 'value="2026-03-04"' in html


def test_a_meeting_date_that_is_not_a_date_is_refused_in_indonesian():
    form = MeetingForm(data={"held_on": "4 Maret", "attendance": "12"})
    assert not form.is_valid()
    assert form.errors["held_on"] == ["Tanggal rapat tidak benar."]

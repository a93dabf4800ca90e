"""The form offers "Not yet known" and N/A where the bank allows them, and a save round-trips."""

import re

from tests.web.test_forms import answer_of


def radio(page, name, value):
    """The <input> of a radio or checkbox, or None."""
    match = re.search(rf'<input type="(?:radio|checkbox)"(?: id="[^"]*")? name="{name}" value="{value}"[^>]*>', page)
    return match.group(0) if match else None


def test_the_form_offers_not_yet_known_and_na_where_the_bank_allows(browser, ids):
    page = browser("partner_a").get(f"/a/{ids['a_self']}/s/delivery_mel").get_data(as_text=True)
    assert radio(page, "q_monitoring_system", "unknown") is not None  # maturity: allow_unknown in the bank
    assert re.search(r'<label class="choice choice-unknown">' + re.escape(radio(page, "q_monitoring_system", "unknown"))
                     + "Not yet known</label>", page)
    assert 'name="na_delivery_track_record"' in page  # allow_na: a new organisation has no track record
    assert radio(page, "q_delivery_track_record", "unknown") is not None
    assert 'name="na_monitoring_system"' not in page  # why_na: every organisation can say how it follows its work


def test_not_yet_known_is_saved_shown_again_and_replaced(browser, ids, data):
    partner = browser("partner_a")
    url = f"/a/{ids['a_self']}/s/delivery_mel"
    posted = {"q_monitoring_system": "unknown", "na_delivery_track_record": "y"}
    posted["nareason_delivery_track_record"] = "New"
    assert partner.post(url, data=posted).status_code in (200, 302)
    stored = answer_of(data, ids["a_self"], "monitoring_system")
    assert stored["value"] == "unknown" and stored["draft"] is None
    record = answer_of(data, ids["a_self"], "delivery_track_record")
    assert record["na"] and record["reason"] == "New"
    page = partner.get(url).get_data(as_text=True)
    assert " checked" in radio(page, "q_monitoring_system", "unknown")
    assert " checked" not in radio(page, "q_monitoring_system", "3")
    partner.post(url, data={"q_monitoring_system": "3"})
    assert answer_of(data, ids["a_self"], "monitoring_system")["value"] == 3


def test_not_yet_known_is_refused_where_the_bank_does_not_offer_it(browser, ids, data):
    partner = browser("partner_a")
    url = f"/a/{ids['a_self']}/s/governance"
    page = partner.get(url).get_data(as_text=True)
    assert radio(page, "q_legal_registration", "unknown") is None  # a gate the organisation knows the answer to
    response = partner.post(url, data={"q_legal_registration": "unknown"})
    assert response.status_code == 200 and "answer yes or no" in response.get_data(as_text=True)
    after = answer_of(data, ids["a_self"], "legal_registration")
    assert after["value"] is None and after["draft"] == "unknown"  # kept as typed, as any invalid draft, not stored

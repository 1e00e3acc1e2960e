"""PII taggers on hand-written texts (offsets are code points: the text has accents and CJK)."""

from __future__ import annotations

from taggers.pii import luhn_valid

# paragraph 1: "Café: écrire à jean.dupont@exemple.fr \n" = 39 chars (0..38)
# paragraph 2: "Tél 555 123 4567 et 東京 192.168.0.1\n" = 35 chars (39..73)
TEXT = "Café: écrire à jean.dupont@exemple.fr \nTél 555 123 4567 et 東京 192.168.0.1\n"


def test_text_layout() -> None:
    assert len(TEXT) == 74 and TEXT[14] == " " and TEXT[15] == "j" and TEXT[42] == " " and TEXT[62] == "1"


def test_fast_v2_dolma_spans(tag) -> None:
    g = tag("pii_regex_with_counts_fast_v2", TEXT)
    # Dolma's e-mail span starts at the space before the address and ends after the newline
    assert g["EMAIL_ADDRESS"] == [[14, 39, 1.0]]
    # the phone span includes the leading whitespace
    assert g["PHONE_NUMBER"] == [[42, 55, 1.0]]
    assert g["IP_ADDRESS"] == [[62, 73, 1.0]]
    assert g["doc_count"] == [[0, 74, 3.0]]
    # Dolma's doc_frac adds the doc_count span's own length: (25 + 13 + 11 + 74) / 74
    assert g["doc_frac"] == [[0, 74, 1.66216]]


def test_fast_v2_dolma_quirks(tag) -> None:
    # an address at the very end of a text is missed (the pattern needs whitespace after it)
    assert "EMAIL_ADDRESS" not in tag("pii_regex_with_counts_fast_v2", "write to a.b@ex.com")
    # a phone number inside a longer digit run is found
    assert tag("pii_regex_with_counts_fast_v2", "id 12345551234567")["PHONE_NUMBER"] == [[2, 13, 1.0]]
    # no text at all: doc_frac is -1
    assert tag("pii_regex_with_counts_fast_v2", "")["doc_frac"] == [[0, 0, -1.0]]


def test_pii_regex_v2_whole_text_and_doc_score(tag) -> None:
    g = tag("pii_regex_v2", TEXT)
    assert g["EMAIL_ADDRESS"] == [[14, 39, 1.0]]
    assert g["PHONE_NUMBER"] == [[42, 55, 1.0]]
    assert g["IP_ADDRESS"] == [[62, 73, 1.0]]
    assert g["doc"] == [[0, 74, 0.27273]]  # 3 spans / 11 whitespace words
    # phone and IP numbers near "isbn", "doi" or "#" are dropped
    g = tag("pii_regex_v2", "isbn 555 123 4567 and 10.1.2.3 ")
    assert "PHONE_NUMBER" not in g and "IP_ADDRESS" not in g
    assert tag("pii_regex_v2", "")["doc"] == [[0, 0, -1.0]]
    counts = tag("pii_regex_with_counts_v2", TEXT)
    assert counts["doc_count"] == [[0, 74, 3.0]]


def test_pii_regex_v3_fixed(tag) -> None:
    g = tag("pii_regex_v3", TEXT)
    assert g["EMAIL_ADDRESS"] == [[15, 37, 1.0]]  # exactly "jean.dupont@exemple.fr"
    assert g["PHONE_NUMBER"] == [[43, 55, 1.0]]  # exactly "555 123 4567"
    assert g["IP_ADDRESS"] == [[62, 73, 1.0]]
    assert g["doc_count"] == [[0, 74, 3.0]]
    assert g["doc_frac"] == [[0, 74, 0.60811]]  # (22 + 12 + 11) / 74
    # e-mail at the end of the text
    assert tag("pii_regex_v3", "write to a.b@ex.com")["EMAIL_ADDRESS"] == [[9, 19, 1.0]]
    # digits inside a longer run are not a phone number
    assert "PHONE_NUMBER" not in tag("pii_regex_v3", "id 12345551234567")
    # phone numbers inside URLs are not reported, others in the same text are
    g = tag("pii_regex_v3", "see https://x.org/555-123-4567 or call 555-987-6543")
    assert g["PHONE_NUMBER"] == [[39, 51, 1.0]]


def test_pii_regex_v3_cards_ipv6_secrets(tag) -> None:
    g = tag("pii_regex_v3", "card 4111 1111 1111 1111 not 4111 1111 1111 1112")
    assert g["CREDIT_CARD"] == [[5, 24, 1.0]]
    g = tag("pii_regex_v3", "host 2001:db8::1 at 12:30:45")
    assert g["IP_ADDRESS"] == [[5, 16, 1.0]]
    g = tag("pii_regex_v3", "key=AKIAIOSFODNN7EXAMPLE")
    assert g["SECRET"] == [[4, 24, 1.0]]
    assert tag("pii_regex_v3", "")["doc_frac"] == [[0, 0, 0.0]]


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_dolma_url_rule_needs_a_backspace(tag) -> None:
    # Dolma's URL pattern starts with a literal backspace: only then does a URL suppress phone numbers
    assert "PHONE_NUMBER" in tag("pii_regex_v2", "call 555 123 4567 at www.example.com/x ")
    assert "PHONE_NUMBER" not in tag("pii_regex_v2", "call 555 123 4567 at \bwww.example.com/x ")

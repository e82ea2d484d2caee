"""Chinese phone numbers, resident ID numbers and company codes: normalising, validating, masking."""

from __future__ import annotations

import pytest

from servicehub.customers.identity import (
    id_number_error,
    mask_id_number,
    mask_phone,
    normalise_phone,
    phone_error,
)

# --- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("13812341234", "13812341234"),
    ("138 1234 1234", "13812341234"),
    ("138-1234-1234", "13812341234"),
    ("+86 138 1234 1234", "13812341234"),
    ("+8613812341234", "13812341234"),
    ("0086 13812341234", "13812341234"),
    ("021-12345678", "02112345678"),
    ("(021) 1234 5678", "02112345678"),
    ("0571-8888888", "05718888888"),
    # International form of a landline drops the trunk 0: +86 21 … is 021 …
    ("+86 21 1234 5678", "02112345678"),
    ("+86-571-88888888", "057188888888"),
])
def test_phones_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected
    assert phone_error(expected) is None


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_mobiles_start_with_13_to_19(prefix):
    assert phone_error(f"{prefix}012345678") is None


@pytest.mark.parametrize("phone", [
    "10012345678",  # no mobile network starts 10, 11 or 12
    "11012345678",
    "12812345678",
    "1381234123",  # 10 digits
    "138123412345",  # 12 digits
])
def test_bad_mobiles_are_refused_as_mobiles(phone):
    assert "mobile" in phone_error(phone)


@pytest.mark.parametrize("phone", [
    "02112345678",  # Shanghai, 8-digit local number
    "0101234567",  # Beijing, 7-digit local number (old style)
    "075512345678",  # Shenzhen
    "057188888888",
])
def test_landlines_with_area_code(phone):
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", [
    "12345678",  # a local number without area code
    "021123456",  # too short
    "0211234567890",  # too long
    "2112345678",  # area code without the trunk 0
    "",
    "abc",
])
def test_bad_numbers_are_refused(phone):
    assert phone_error(phone)


# --- resident ID numbers (GB 11643) -------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "310101199001011234",
    "440304198506152344",
    "320102197910100014",
    "11010519491231002X",  # check digit X
    "11010519491231002x",  # lower-case x is accepted
    "11010120000229123X",  # 29 February of a leap year
])
def test_valid_id_numbers(value):
    assert id_number_error(value) is None


@pytest.mark.parametrize(("value", "word"), [
    ("310101199001011235", "check digit"),  # last digit off by one
    ("110105194912310021", "check digit"),  # a digit where X belongs
    ("31010119900101123X", "check digit"),  # X where a digit belongs
    ("310101199002301234", "birth date"),  # 30 February
    ("310101199013011234", "birth date"),  # month 13
    ("11010119000229123X", "birth date"),  # 1900 was not a leap year
    ("31010119900101123", "18 characters"),  # 17 characters
    ("3101011990010112345", "18 characters"),  # 19 characters
    ("31010119900101123Y", "18 characters"),
    ("3101011990O101123X", "18 characters"),  # a letter O among the digits
    ("310101900101123", "18 characters"),  # the old 15-digit form
])
def test_invalid_id_numbers(value, word):
    error = id_number_error(value)
    assert error and word in error


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T", "91110108551385082Q"])
def test_a_company_has_a_unified_social_credit_code(code):
    assert id_number_error(code, company=True) is None
    assert id_number_error(code.lower(), company=True) is None
    # A person's ID number it is not.
    assert id_number_error(code) is not None


@pytest.mark.parametrize("code", [
    "91350100M000100Y44",  # wrong check character
    "91440300708461136U",
    "91350100M000100Y4",  # 17 characters
    "91350100M000I00Y43",  # I is not in the code's alphabet
])
def test_bad_unified_social_credit_codes(code):
    assert id_number_error(code, company=True) is not None


def test_a_wrong_check_character_is_named():
    assert "check character" in id_number_error("91350100M000100Y44", company=True)


def test_a_company_may_give_the_id_number_of_its_representative():
    assert id_number_error("310101199001011234", company=True) is None
    assert id_number_error("310101199001011235", company=True) is not None


# --- masking ------------------------------------------------------------------------------------


def test_masking_formats():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("310101199001011234") == "3101**********1234"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("02112345678") == "021****5678"
    assert mask_phone("057188888888") == "057*****8888"
    assert mask_phone(None) is None and mask_id_number(None) is None
    assert mask_phone("") == "" and mask_id_number("") == ""


def test_masking_never_shows_the_middle():
    phone = "13987654321"
    masked = mask_phone(phone)
    assert len(masked) == len(phone) and "8765" not in masked
    assert mask_phone("1234567") == "1******"

"""Validation of amounts, the element type with the most ways to go wrong."""

import pytest
from django.core.exceptions import ValidationError

from policies.elements import clean_value
from policies.models import ElementDefinition


@pytest.fixture
def cap(db):
    return ElementDefinition.objects.get(code="cap")


@pytest.mark.parametrize("amount", ["1e9", "NaN", "0.0000001", "99999999999999999999999", "五十", "-5", "0"])
def test_amount_rejected(cap, amount):
    with pytest.raises(ValidationError):
        clean_value(cap, {"amount": amount, "unit": "万元"})


@pytest.mark.parametrize("amount, stored", [("500", "500"), ("12.50", "12.5"), ("1,000", "1000"), ("0.0001", "0.0001")])
def test_amount_normalised(cap, amount, stored):
    assert clean_value(cap, {"amount": amount, "unit": "万元"})["amount"] == stored


def test_percentage_over_100_rejected(cap):
    with pytest.raises(ValidationError):
        clean_value(cap, {"amount": "150", "unit": "%"})
    assert clean_value(cap, {"amount": "20", "unit": "%"})["amount"] == "20"

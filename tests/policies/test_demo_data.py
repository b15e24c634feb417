"""Checks of the demo data file against the element catalog, without Django.

The demo policies are drawn from published policy texts stored beside the
repository (SAMPLES_DIR). Each item quotes its source text, and these tests
check that the quote occurs in it.
"""

import ast
import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from policies.catalog import ELEMENTS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = REPO_ROOT / "policies" / "demo" / "policies.json"
SAMPLES_DIR = REPO_ROOT.parent / "shared" / "samples" / "policies"

ELEMENTS_BY_CODE = {row[0]: row for row in ELEMENTS}
VALUE_TYPE_KEYS = {
    "text": {"text"},
    "choice": {"choice"},
    "date_range": {"start", "end"},
    "workday_period": {"days"},
    "amount": {"amount", "unit", "note"},
    "list": {"items"},
    "yes_no": {"yes", "text"},
}
POLICY_STATES = {
    "draft",
    "ready_to_submit",
    "submitted",
    "materials_requested",
    "district_review",
    "city_review",
    "opinion_passed",
    "opinion_failed",
}
MATERIAL_KINDS = {"application_letter", "draft_text", "consultation_record", "fair_competition_fiscal"}
ORGANIZATION_KINDS = {
    "city",
    "district",
    "county",
    "development_zone",
    "data_bureau",
    "general_office",
    "finance_bureau",
    "legal_bureau",
    "market_supervision",
    "audit_bureau",
    "drafting",
}
REGION_KINDS = {"city", "district", "county", "development_zone"}
EVIDENCE_LENGTH = range(10, 61)
SAMPLE_HEADER_END = "-" * 40 + "\n"


def read_amount_units():
    """Read AMOUNT_UNITS from policies/elements.py, which cannot be imported without Django settings."""
    source = (REPO_ROOT / "policies" / "elements.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "AMOUNT_UNITS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(
        "AMOUNT_UNITS is missing from policies/elements.py. Update read_amount_units() to read the units from their new place."
    )


def strip_whitespace(text):
    return re.sub(r"\s+", "", text)


def read_sample_body(path):
    """Return the policy text of a sample file, without the header above its dashed separator line."""
    _, separator, body = path.read_text(encoding="utf-8").partition(SAMPLE_HEADER_END)
    assert separator, f"{path.name} has no header separator line"
    return body


def parse_date(value):
    return datetime.date.fromisoformat(value)


DATA = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
ORGANIZATIONS = {org["code"]: org for org in DATA["organizations"]}
ITEMS = [(policy, item) for policy in DATA["policies"] for item in policy["items"]]
ITEM_IDS = [f"{policy['source_file'][:2]}-{item['name']}" for policy, item in ITEMS]
POLICY_IDS = [policy["source_file"][:2] for policy in DATA["policies"]]


def shape_errors(code, value):
    """Return the ways `value` departs from the JSON shape of element `code`."""
    _, _, _, _, value_type, _, choices = ELEMENTS_BY_CODE[code]
    if not isinstance(value, dict) or set(value) != VALUE_TYPE_KEYS[value_type]:
        return [f"{code}: expected keys {sorted(VALUE_TYPE_KEYS[value_type])}, got {value!r}"]

    errors = []
    if value_type == "text" and not (isinstance(value["text"], str) and value["text"].strip()):
        errors.append(f"{code}: text is empty")
    elif value_type == "choice" and value["choice"] not in choices:
        errors.append(f"{code}: “{value['choice']}” is not one of {choices}")
    elif value_type == "date_range":
        try:
            start = parse_date(value["start"])
            end = parse_date(value["end"]) if value["end"] is not None else None
        except (TypeError, ValueError):
            errors.append(f"{code}: invalid date in {value!r}")
        else:
            if end is not None and end < start:
                errors.append(f"{code}: end {end} is before start {start}")
    elif value_type == "workday_period":
        days = value["days"]
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            errors.append(f"{code}: days must be a positive integer, got {days!r}")
    elif value_type == "amount":
        try:
            number = Decimal(value["amount"]) if isinstance(value["amount"], str) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number <= 0:
            errors.append(f"{code}: amount must be a positive number as a string, got {value['amount']!r}")
        units = read_amount_units()
        if value["unit"] not in units:
            errors.append(f"{code}: unit “{value['unit']}” is not one of {units}")
        if not isinstance(value["note"], str):
            errors.append(f"{code}: note must be a string")
    elif value_type == "list":
        entries = value["items"]
        if not entries or not all(isinstance(entry, str) and entry.strip() for entry in entries):
            errors.append(f"{code}: items must be a non-empty list of non-empty strings")
    elif value_type == "yes_no":
        if not isinstance(value["yes"], bool):
            errors.append(f"{code}: yes must be true or false")
        if value["yes"] and not value["text"].strip():
            errors.append(f"{code}: text must say how, when yes is true")
    return errors


def test_organization_parents_and_kinds():
    assert len(ORGANIZATIONS) == len(DATA["organizations"]), "organization codes are not unique"
    for org in DATA["organizations"]:
        assert re.fullmatch(r"[a-z0-9-]+", org["code"]), org["code"]
        assert org["kind"] in ORGANIZATION_KINDS, org
        if org["kind"] == "city":
            assert org["parent"] is None, org
        elif org["kind"] in REGION_KINDS:
            assert ORGANIZATIONS[org["parent"]]["kind"] == "city", org
        else:
            assert ORGANIZATIONS[org["parent"]]["kind"] in REGION_KINDS, org


def test_every_region_has_data_bureau():
    bureau_parents = {org["parent"] for org in DATA["organizations"] if org["kind"] == "data_bureau"}
    for org in DATA["organizations"]:
        if org["kind"] in REGION_KINDS:
            assert org["code"] in bureau_parents, f"{org['name']} has no data bureau"


@pytest.mark.parametrize("policy", DATA["policies"], ids=POLICY_IDS)
def test_policy_fields_valid(policy):
    assert policy["level"] in {"city", "district"}
    assert policy["demo_state"] in POLICY_STATES
    assert set(policy["materials"]) <= MATERIAL_KINDS
    assert 2 <= len(policy["draft_explanation"].split("。")) - 1 <= 3
    if policy["issued_on"] is not None:
        parse_date(policy["issued_on"])


@pytest.mark.parametrize("policy", DATA["policies"], ids=POLICY_IDS)
def test_policy_departments_in_region(policy):
    region = ORGANIZATIONS[policy["region"]]
    lead = ORGANIZATIONS[policy["lead_department"]]
    expected_level = "city" if region["kind"] == "city" else "district"
    assert region["kind"] in REGION_KINDS
    assert lead["parent"] == region["code"]
    assert policy["level"] == expected_level
    for code in policy["co_departments"]:
        assert ORGANIZATIONS[code]["kind"] not in REGION_KINDS, code


def test_states_fill_review_queues():
    states = {policy["demo_state"] for policy in DATA["policies"]}
    for state in ("draft", "submitted", "district_review", "city_review"):
        assert state in states, f"no demo policy in state {state}"


@pytest.mark.parametrize(("policy", "item"), ITEMS, ids=ITEM_IDS)
def test_item_element_values(policy, item):
    unknown = sorted(set(item["elements"]) - set(ELEMENTS_BY_CODE))
    assert not unknown, f"unknown element codes: {unknown}"
    errors = [error for code, value in item["elements"].items() for error in shape_errors(code, value)]
    assert not errors, "\n".join(errors)
    assert item["elements"]["item_name"] == {"text": item["name"]}
    assert item["gaps"], "gaps must list what a reviewer would return"


@pytest.mark.parametrize(("policy", "item"), ITEMS, ids=ITEM_IDS)
def test_item_evidence_in_source(policy, item):
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"sample texts not found at {SAMPLES_DIR}")
    source = SAMPLES_DIR / policy["source_file"]
    evidence = strip_whitespace(item["evidence"])
    assert source.is_file(), f"{source} not found"
    assert len(evidence) in EVIDENCE_LENGTH, f"evidence has {len(evidence)} characters, expected 10 to 60"
    found = evidence in strip_whitespace(read_sample_body(source))
    assert found, f"evidence not found in the text of {policy['source_file']}: {item['evidence']}"

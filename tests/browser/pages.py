"""Locators and texts of the policy page that several browser tests share."""

from django.urls import reverse
from playwright.sync_api import expect

from .conftest import in_chinese


def detail_path(policy):
    return reverse("review:policy_detail", args=[policy.pk])


def state_badge(page):
    return page.locator('[data-testid="policy-state"]')


def state_text(state, conclusion=None):
    """Return the state badge text of the policy page, in Chinese."""
    text = in_chinese(state.label)
    if conclusion is not None:
        text = f"{text} · {in_chinese(conclusion.label)}"
    return text


def queue_row(page, policy):
    return page.locator("main table tr", has=page.locator(f'a[href="{detail_path(policy)}"]'))


def open_policy(site, policy, via):
    """Open `policy` by following its link on the page behind the header link `via` ("policies" or "queue")."""
    site.page.click(f'a[data-nav="{via}"]')
    site.page.click(f'main a[href="{detail_path(policy)}"]')
    expect(site.page).to_have_url(site.url(detail_path(policy)))

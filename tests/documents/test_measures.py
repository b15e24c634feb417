from accounts.models import Organization
from documents.content import measures_title
from policies import services as policy_services


def test_changchun_policy_cites_changchun_measures(world):
    policy = policy_services.create_policy(world.city_drafter, title="长春市政策", lead_department=world.city_dept)
    assert measures_title(policy) == "长春市惠企惠民政策标准化上线审查办法"


def test_other_city_gets_generic_measures(world):
    department = Organization.objects.create(
        code="th-swj", name="通化市商务局", kind=Organization.Kind.DRAFTING, parent=world.other_city
    )
    drafter = type(world.drafter).objects.create(username="th_drafter", role="drafter", organization=department)
    policy = policy_services.create_policy(drafter, title="通化市政策", lead_department=department)
    assert measures_title(policy) == "惠企惠民政策标准化上线审查办法"

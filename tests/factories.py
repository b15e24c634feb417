"""Builders for the organizations, people and policies the tests act on."""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organization, Role, User
from policies import services as policy_services
from policies.models import REQUIRED_MATERIALS, ElementDefinition

Kind = Organization.Kind

COMPLETE_VALUES = {
    "basis": {"text": "《长春市推动经济持续向好增量政策措施》"},
    "benefit_type": {"choice": "资金奖励"},
    "validity": {"start": "2026-01-01", "end": "2027-12-31"},
    "region": {"text": "九台区"},
    "drafting_unit": {"text": "九台区工业和信息化局"},
    "implementing_unit": {"text": "九台区工业和信息化局"},
    "publishing_unit": {"text": "九台区人民政府"},
    "applicant": {"text": "在九台区注册的工业企业"},
    "conditions": {"items": ["上年度主营业务收入2000万元以上", "无失信记录"]},
    "application_count": {"choice": "每年一次"},
    "application_window": {"start": "2026-03-01", "end": "2026-03-31"},
    "place": {"text": "九台区政务服务中心3号窗口"},
    "application_method": {"choice": "网上或窗口申报"},
    "materials": {"items": ["申请表", "营业执照复印件", "上年度财务报表"]},
    "process": {"items": ["企业申报", "部门受理", "审核公示", "资金拨付"]},
    "internal_process": {"items": ["科室初审", "分管领导审核", "局务会审定"]},
    "internal_time_limit": {"days": 10},
    "fulfilment_time_limit": {"days": 20},
    "fulfilment_level": {"choice": "区县级"},
    "fulfilment_method": {"choice": "依申请"},
    "fulfilment_content": {"text": "按主营业务收入增量给予一次性奖励"},
    "cap": {"amount": "50", "unit": "万元", "note": "最高"},
    "competitive": {"yes": False, "text": ""},
    "fund_supervision": {"text": "区财政局会同区工信局对资金使用情况进行检查"},
    "clawback": {"text": "以虚假材料骗取资金的，全额追回"},
    "public_notice": {"text": "拟兑现名单在区政府网站公示5个工作日"},
    "consultation": {"text": "区工信局企业服务科 0431-82300000"},
}


def org(code, name, kind, parent=None, short_name=""):
    return Organization.objects.create(code=code, name=name, kind=kind, parent=parent, short_name=short_name)


def user(username, role, organization, display_name=""):
    person = User(username=username, role=role, organization=organization, display_name=display_name or username)
    person.set_password("pass-for-tests")
    person.full_clean()
    person.save()
    return person


class World:
    """Two districts of one city, and a second city, with a person for every role."""

    def __init__(self):
        self.city = org("cc", "长春市", Kind.CITY)
        self.city_bureau = org("cc-sjj", "长春市政务服务和数字化建设管理局", Kind.DATA_BUREAU, self.city, "市政数局")
        self.audit = org("cc-sjs", "长春市审计局", Kind.AUDIT_BUREAU, self.city)
        self.city_dept = org("cc-gxj", "长春市工业和信息化局", Kind.DRAFTING, self.city, "市工信局")

        self.district = org("jt", "九台区", Kind.DISTRICT, self.city)
        self.district_bureau = org("jt-sjj", "九台区政务服务和数字化建设管理局", Kind.DATA_BUREAU, self.district, "区政数局")
        self.dept = org("jt-gxj", "九台区工业和信息化局", Kind.DRAFTING, self.district, "区工信局")
        self.other_dept = org("jt-rsj", "九台区人力资源和社会保障局", Kind.DRAFTING, self.district, "区人社局")
        self.legal = org("jt-sfj", "九台区司法局", Kind.LEGAL_BUREAU, self.district, "区司法局")

        self.zone = org("xq", "长春新区", Kind.DEVELOPMENT_ZONE, self.city)
        self.zone_bureau = org("xq-sjj", "长春新区政务服务和数字化建设管理局", Kind.DATA_BUREAU, self.zone)
        self.zone_dept = org("xq-kjj", "长春新区科学技术局", Kind.DRAFTING, self.zone)

        self.other_city = org("th", "通化市", Kind.CITY)
        self.other_city_bureau = org("th-sjj", "通化市政务服务和数字化建设管理局", Kind.DATA_BUREAU, self.other_city)

        self.drafter = user("drafter", Role.DRAFTER, self.dept, "王起草")
        self.head = user("head", Role.DEPARTMENT_HEAD, self.dept, "李局长")
        self.other_drafter = user("other_drafter", Role.DRAFTER, self.other_dept, "赵人社")
        self.city_drafter = user("city_drafter", Role.DRAFTER, self.city_dept, "钱市工信")
        self.zone_drafter = user("zone_drafter", Role.DRAFTER, self.zone_dept, "孙新区")
        self.consulted = user("consulted", Role.CONSULTED, self.legal, "周司法")
        self.district_reviewer = user("district_reviewer", Role.DISTRICT_REVIEWER, self.district_bureau, "吴区审")
        self.zone_reviewer = user("zone_reviewer", Role.DISTRICT_REVIEWER, self.zone_bureau, "郑新区审")
        self.city_reviewer = user("city_reviewer", Role.CITY_REVIEWER, self.city_bureau, "冯市审")
        self.other_city_reviewer = user("other_city_reviewer", Role.CITY_REVIEWER, self.other_city_bureau, "陈通化")
        self.supervisor = user("supervisor", Role.SUPERVISOR, self.audit, "褚督查")
        self.sysadmin = user("sysadmin", Role.SYSTEM_ADMIN, None, "卫系统")


def text_file(name, text="送审材料正文。"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def make_policy(drafter, *, title="九台区支持工业企业增产增效若干措施", complete=True, materials=True):
    """Create a policy of `drafter`'s department; complete ones can be submitted at once."""
    policy = policy_services.create_policy(drafter, title=title, lead_department=drafter.organization)
    values = dict(COMPLETE_VALUES) if complete else {"basis": COMPLETE_VALUES["basis"]}
    values = {code: value for code, value in values.items() if ElementDefinition.objects.filter(code=code).exists()}
    policy_services.save_item(drafter, policy, name="工业企业增产奖励", values=values)
    if materials:
        for kind in REQUIRED_MATERIALS["initial"]:
            policy_services.add_material(drafter, policy, kind=kind, uploaded=text_file("%s.txt" % kind.value))
    policy.refresh_from_db()
    return policy

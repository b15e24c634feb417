"""The standard element catalog (要素目录) as first loaded into the database.

The city can revise the catalog later through the admin, so code reads
`ElementDefinition` rows, never this list. The four groups and their
elements follow article 7 of the Changchun standardization review measures.
"""

GROUPS = [
    ("text", "文本信息", "Text information"),
    ("application", "申请办理", "Application"),
    ("fulfilment", "兑现实施", "Fulfilment"),
    ("supervision", "监管咨询", "Supervision and consultation"),
]

BENEFIT_TYPES = ["资金补贴", "资金奖励", "贷款贴息", "税费减免", "股权投资", "荣誉认定", "服务便利", "其他"]
APPLICATION_COUNTS = ["一次性", "每年一次", "按批次", "不限次数"]
APPLICATION_METHODS = ["网上申报", "窗口申报", "网上或窗口申报", "无需申报"]
FULFILMENT_LEVELS = ["市级", "区县级", "市区两级"]
FULFILMENT_METHODS = ["免申即享", "即申即享", "依申请"]

# (code, group, Chinese label, English label, value type, required, choices)
#
# Value types and the JSON stored for each:
#   text           {"text": "..."}
#   choice         {"choice": "..."}            one of the element's choices
#   date_range     {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD" or None}
#   workday_period {"days": 10}                 working days, a positive integer
#   amount         {"amount": "50", "unit": "万元", "note": "..."}
#   list           {"items": ["...", "..."]}
#   yes_no         {"yes": true, "text": "how, when yes"}
ELEMENTS = [
    ("basis", "text", "政策依据", "Policy basis", "text", True, []),
    ("item_name", "text", "政策服务事项名称", "Service item name", "text", True, []),
    ("benefit_type", "text", "优惠类型", "Benefit type", "choice", True, BENEFIT_TYPES),
    ("validity", "text", "实施期限", "Validity period", "date_range", True, []),
    ("region", "text", "实施区域", "Region", "text", True, []),
    ("drafting_unit", "text", "制定单位", "Drafting unit", "text", True, []),
    ("implementing_unit", "text", "实施单位", "Implementing unit", "text", True, []),
    ("publishing_unit", "text", "公开单位", "Publishing unit", "text", True, []),
    ("applicant", "text", "申报主体", "Eligible applicant", "text", True, []),
    ("conditions", "application", "申报条件", "Conditions", "list", True, []),
    ("application_count", "application", "申报次数", "Number of applications", "choice", True, APPLICATION_COUNTS),
    ("application_window", "application", "申报时限", "Application window", "date_range", True, []),
    ("place", "application", "申报地点", "Place of application", "text", True, []),
    ("application_method", "application", "申报方式", "Application method", "choice", True, APPLICATION_METHODS),
    ("materials", "application", "申报材料", "Application materials", "list", True, []),
    ("process", "application", "申报流程", "Application process", "list", True, []),
    ("internal_process", "application", "部门内部审批流程", "Internal approval process", "list", True, []),
    ("internal_time_limit", "application", "部门内部审批时限", "Internal approval time limit", "workday_period", True, []),
    ("fulfilment_time_limit", "fulfilment", "兑现时限", "Fulfilment time limit", "workday_period", True, []),
    ("fulfilment_level", "fulfilment", "兑现层级", "Fulfilment level", "choice", True, FULFILMENT_LEVELS),
    ("fulfilment_method", "fulfilment", "兑现方式", "Fulfilment method", "choice", True, FULFILMENT_METHODS),
    ("fulfilment_content", "fulfilment", "兑现内容", "Fulfilment content", "text", True, []),
    ("cap", "fulfilment", "兑现限额", "Cap", "amount", True, []),
    ("competitive", "fulfilment", "竞争性兑现", "Competitive allocation", "yes_no", True, []),
    ("fund_supervision", "supervision", "兑现后资金使用监管", "Fund-use supervision", "text", True, []),
    ("clawback", "supervision", "追缴", "Clawback", "text", True, []),
    ("penalty", "supervision", "处罚", "Penalty", "text", False, []),
    ("public_notice", "supervision", "政策公示", "Public notice", "text", True, []),
    ("objection_handling", "supervision", "公示处理", "Handling of objections", "text", False, []),
    ("consultation", "supervision", "咨询", "Consultation contact", "text", True, []),
]

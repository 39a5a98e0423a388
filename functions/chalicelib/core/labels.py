"""The Chinese labels of the codes records carry (roles, channels, kinds, states), in one place.

Answers, exports and the staff pages show these words; the pages read the same tables from
assets/javascripts/labels.js, which tools/labels_js.py writes from this module. Keys are the codes
as stored; a domain's enum (a StrEnum) looks its members up here by value.
"""

from __future__ import annotations

ROLE_LABELS = {
    "city_admin": "市总管理员",
    "unit_admin": "单位管理员",
    "caseworker": "经办人",
    "hotline_operator": "热线接线员",
    "contact_person": "一对一联系人",
    "finance": "财务",
    "auditor": "审计（只读）",
    "counsellor": "心理咨询师",
}

# What a partner app may be allowed to do; each public route names its operation.
PARTNER_OPERATION_LABELS = {
    "support.submit": "提交求助",
    "status.lookup": "查询办理进度",
    "booking.register": "报名招聘会、培训课程、返岗直通车",
    "booking.cancel": "取消报名",
    "recruitment.firm": "企业登记、发布招聘岗位",
    "recruitment.interest": "对招聘岗位表达意向",
}

# Organisation.
UNIT_KIND_LABELS = {
    "city_federation": "市总工会",
    "county_union": "县市区总工会",
    "zone_union": "功能区工会",
    "organs_union": "机关工会",
    "industry_union": "产业工会",
    "mining_group_union": "矿业集团工会",
    "provincial_unit_union": "驻泰单位工会",
    "hospital_union": "医院工会",
    "enterprise_union": "企业工会",
}

# Support requests.
SUPPORT_STATUS_LABELS = {
    "submitted": "已提交，等待受理",
    "accepted": "已受理",
    "in_progress": "办理中",
    "callback": "未接通，将再次回电",
    "resolved": "已办结",
    "closed": "已关闭",
    "rejected": "未予受理",
}
SUPPORT_ACTION_LABELS = {
    "support.submit": "提交",
    "support.transition": "变更状态",
    "support.note": "添加备注",
    "message.resend": "重发短信",
    "support.assign": "改派",
    "support.counsellor": "指派心理咨询师",
}
SUPPORT_CHANNEL_LABELS = {"portal": "门户网站", "hotline": "12351 热线"}

# Who did something, by the first part of the audit trail's actor ("public", "staff:<id>").
ACTOR_KIND_LABELS = {"public": "本人（网上提交）", "staff": "工作人员", "partner": "合作应用", "system": "系统"}
FRONTLINE_LABELS = {"no": "否", "personnel": "一线人员", "family": "一线人员家属"}

# Sessions and registrations (job fairs, courses, shuttles, recuperation batches).
SESSION_KIND_LABELS = {"fair": "招聘会", "course": "技能培训课程", "shuttle": "返岗直通车", "recuperation": "疗休养"}
SESSION_LABELS = {"open": "开放报名", "closed": "已停止报名", "cancelled": "已取消"}
REGISTRATION_LABELS = {"confirmed": "已确认名额", "waitlisted": "候补中", "cancelled": "已取消"}

# Firms and job openings.
OPENING_STATUS_LABELS = {"pending": "已提交，等待工会审核", "approved": "审核通过", "rejected": "审核未通过",
                         "published": "审核通过，已公开发布"}
INDUSTRY_LABELS = {
    "manufacturing": "制造业", "construction": "建筑业", "logistics": "交通运输与物流", "retail": "批发零售",
    "catering": "住宿餐饮", "services": "居民服务", "healthcare": "卫生与社会工作", "it": "信息技术",
    "agriculture": "农林牧渔", "other": "其他",
}
SHIFT_LABELS = {"fixed": "固定时间上下班", "staggered": "错时上下班", "flexible": "弹性上下班"}
# A firm's or an opening's history lines (recruitment/store.py), by what changed.
RECRUITMENT_ACTION_LABELS = {"register": "提交企业登记", "post": "提交招聘岗位", "approve": "审核通过",
                             "publish": "审核通过，公开发布", "return": "退回（审核未通过）"}

# Frontline personnel and their families.
DEPLOYMENT_LABELS = {"fever_clinic": "发热门诊", "isolation_ward": "隔离病区", "aid_team": "援助医疗队",
                     "icu": "重症监护", "screening": "筛查检测", "other": "其他一线岗位"}
CONTACT_KIND_LABELS = {"cadre": "工会干部", "activist": "工会积极分子", "volunteer": "志愿者"}
COVER_LABELS = {"major_illness": "重大疾病", "accident": "意外伤害"}
LOG_KIND_LABELS = {"phone": "电话", "visit": "上门", "wechat": "微信"}

# Food packages.
WINDOW_LABELS = {"morning": "上午 8:00-12:00", "afternoon": "下午 14:00-18:00", "evening": "晚上 18:00-20:00"}
SIGNUP_LABELS = {"active": "已登记，每周配送", "paused": "已暂停"}
PACKAGE_LABELS = {"pending": "待配送", "delivered": "已送达", "failed": "未能送达", "refused": "家庭婉拒"}

# The special fund's ledger.
LEDGER_KIND_LABELS = {"fund_set": "设立或调整专项资金", "allocation_out": "拨付下级", "allocation_in": "上级拨入",
                      "spend": "支出", "reversal": "冲正"}

# Recuperation nominations.
NOMINATION_STATUS_LABELS = {"nominated": "已推荐，待市总工会审核", "approved": "已同意，待安排批次",
                            "declined": "未同意", "withdrawn": "已撤回", "placed": "已安排疗休养"}

# Good-practice reports.
REPORT_STATUS_LABELS = {"draft": "草稿", "submitted": "待审核", "returned": "退回修改", "accepted": "已采用",
                        "published": "已公开"}

# Text messages and staff alerts (core/outbox.py): where each one is.
MESSAGE_STATE_LABELS = {"pending": "待发送", "held": "暂缓（夜间或合并提醒），到时发送", "sending": "发送中",
                        "sent": "已发送", "delivered": "已送达", "failed": "发送失败，将重试",
                        "dead": "多次发送失败，已停止", "suppressed": "未发送（本人已退订或超出限额）"}
MESSAGE_CHANNEL_LABELS = {"sms": "短信", "unit": "单位提醒（群机器人或工作人员短信）"}

WEBHOOK_KIND_LABELS = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}

# Every table, by the name the staff pages read it under (window.wsLabels).
FOR_PAGES: dict[str, dict[str, str]] = {
    "roles": ROLE_LABELS,
    "partnerOperations": PARTNER_OPERATION_LABELS,
    "unitKinds": UNIT_KIND_LABELS,
    "supportStatus": SUPPORT_STATUS_LABELS,
    "supportActions": SUPPORT_ACTION_LABELS,
    "supportChannels": SUPPORT_CHANNEL_LABELS,
    "actorKinds": ACTOR_KIND_LABELS,
    "frontline": FRONTLINE_LABELS,
    "sessionKinds": SESSION_KIND_LABELS,
    "sessions": SESSION_LABELS,
    "registrations": REGISTRATION_LABELS,
    "openingStatus": OPENING_STATUS_LABELS,
    "industries": INDUSTRY_LABELS,
    "shifts": SHIFT_LABELS,
    "deployments": DEPLOYMENT_LABELS,
    "contactKinds": CONTACT_KIND_LABELS,
    "covers": COVER_LABELS,
    "logKinds": LOG_KIND_LABELS,
    "windows": WINDOW_LABELS,
    "signups": SIGNUP_LABELS,
    "packages": PACKAGE_LABELS,
    "ledgerKinds": LEDGER_KIND_LABELS,
    "nominationStatus": NOMINATION_STATUS_LABELS,
    "reportStatus": REPORT_STATUS_LABELS,
    "messageStates": MESSAGE_STATE_LABELS,
    "messageChannels": MESSAGE_CHANNEL_LABELS,
    "webhookKinds": WEBHOOK_KIND_LABELS,
}

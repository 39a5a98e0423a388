"""The fixed message templates: every text message and staff alert the system sends is one of these.

China requires text-message templates and the signature to be registered with the provider before
use, so the texts are fixed here, each with an id, and listed for registration in
docs/notifications.md (generated from this table). A template carries only what the person needs:
a reference, a status, a time, a place, a title; never an ID number, health detail or hardship
status. Placeholders are `${name}` (Alibaba Cloud SMS's syntax); `render` fills them for providers
that take whole texts (AWS).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Audience = Literal["worker", "staff"]

_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
PARAM_MAX = 40  # characters per placeholder value (Alibaba's limit is 35 for most variables)
LONG_PARAM_MAX = 300  # `reply` and `reason`: staff's own words for the person
LONG_PARAMS = frozenset({"reply", "reason", "families"})


@dataclass(frozen=True)
class Template:
    id: str
    audience: Audience
    text: str  # without the signature; the provider adds it (Alibaba) or `render` does
    urgent: bool  # urgent messages go out in quiet hours (22:00-07:30 Beijing time), others wait
    purpose: str  # why it is sent, for the registration list

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_PLACEHOLDER.findall(self.text)))


def _t(id: str, audience: Audience, text: str, purpose: str, urgent: bool = False) -> Template:
    return Template(id, audience, text, urgent, purpose)


TEMPLATES: dict[str, Template] = {t.id: t for t in (
    # Registrations (job fairs, courses, return-to-work shuttles, recuperation batches)
    _t("booking_confirmed", "worker",
       "您已报名「${session}」，时间${when}，地点${place}，编号${ref}。如需取消，请在门户“查询进度”用编号和手机号办理。",
       "报名成功（名额已确认）"),
    _t("booking_waitlisted", "worker",
       "「${session}」名额已满，您在候补第${position}位，编号${ref}。有空位时会短信通知您。",
       "报名进入候补"),
    _t("booking_promoted", "worker",
       "「${session}」有了空位，您已由候补转为正式报名：时间${when}，地点${place}，编号${ref}。不能参加请及时取消。",
       "候补转正式", urgent=True),
    _t("booking_session_changed", "worker",
       "您报名的「${session}」有变更：时间${when}，地点${place}，编号${ref}。",
       "场次时间或地点变更", urgent=True),
    _t("booking_session_cancelled", "worker",
       "很抱歉，您报名的「${session}」已取消，原因：${reason}。编号${ref}。",
       "场次被取消", urgent=True),
    _t("booking_session_closed", "worker",
       "您报名的「${session}」已停止，编号${ref}。如有疑问请拨打12351。",
       "场次被工作人员关闭"),
    _t("booking_cancelled", "worker",
       "您已取消「${session}」的报名，编号${ref}。",
       "报名人取消报名的确认"),
    # Support requests (help requests, hotline intakes)
    _t("support_received", "worker",
       "您的求助已收到，编号${ref}。工作人员会尽快与您联系；可在门户“查询进度”用编号和手机号查看。",
       "求助已收到"),
    _t("support_accepted", "worker",
       "您的求助（编号${ref}）已受理，工作人员会与您联系。",
       "求助已受理"),
    _t("support_callback_missed", "worker",
       "工作人员刚才给您回电未能接通，稍后会再次联系您。求助编号${ref}。",
       "回电未接通", urgent=True),
    _t("support_resolved", "worker",
       "您的求助（编号${ref}）已办结。答复：${reply}",
       "求助已办结，附工作人员的答复"),
    _t("support_closed", "worker",
       "您的求助（编号${ref}）已关闭。说明：${reply}",
       "求助被关闭或不予受理，附说明"),
    # Firms and job openings
    _t("firm_approved", "worker",
       "贵单位的登记（编号${ref}）已审核通过。",
       "企业登记通过"),
    _t("firm_returned", "worker",
       "贵单位的登记（编号${ref}）被退回，原因：${reason}。请修改后重新提交。",
       "企业登记退回"),
    _t("opening_approved", "worker",
       "岗位「${title}」已审核通过并发布，编号${ref}。",
       "招聘岗位发布"),
    _t("opening_returned", "worker",
       "岗位「${title}」被退回，原因：${reason}。请修改后重新提交，编号${ref}。",
       "招聘岗位退回"),
    # Privacy requests
    _t("privacy_done", "worker",
       "您的个人信息${action}申请（编号${ref}）已办理完成。",
       "删除个人信息的申请办结"),
    _t("privacy_looked_up", "worker",
       "您在本平台登记的个人信息（编号${ref}）已于${when}被查阅。如不是您本人查阅，请拨打12351。",
       "本人信息被查阅的安全提醒（查阅本人信息时发给登记的手机号码）"),
    # Staff
    _t("staff_new_requests", "staff",
       "${unit}有${count}条新的求助待处理，请登录工作台“求助办理”查看。",
       "本单位有新求助（同一单位几分钟内合并为一条）", urgent=True),
    _t("staff_overdue_digest", "staff",
       "${unit}有${count}条求助已超过办理时限，请登录工作台“求助办理”处理。",
       "每日超时求助汇总"),
    _t("staff_contact_reminder", "staff",
       "${contact}：您联系的家庭中有${count}户已7天未联系：${families}。请登录工作台“我联系的家庭”记录联系。",
       "每周提醒联系人联系家庭"),
)}


class TemplateError(ValueError):
    """A message built against its template: an unknown id or wrong placeholders (a code error)."""


_ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def check(template_id: str, params: Mapping[str, str]) -> Template:
    """The template, after checking the values fill exactly its placeholders, within their lengths,
    and that none looks like a national ID number."""
    template = TEMPLATES.get(template_id)
    if template is None:
        raise TemplateError(f"unknown template {template_id!r}")
    if set(params) != set(template.params):
        raise TemplateError(f"template {template_id!r} takes {sorted(template.params)}, got {sorted(params)}")
    for name, value in params.items():
        limit = LONG_PARAM_MAX if name in LONG_PARAMS else PARAM_MAX
        if not isinstance(value, str) or len(value) > limit:
            raise TemplateError(f"template {template_id!r}: {name} must be text of at most {limit} characters")
        if _ID_NUMBER.search(value):
            raise TemplateError(f"template {template_id!r}: {name} looks like an ID number")
    return template


def shorten(text: str, limit: int = LONG_PARAM_MAX) -> str:
    """Staff's words cut to fit a placeholder, saying where the rest is."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    tail = "…（详见门户查询）"
    return text[: limit - len(tail)] + tail


def render(template_id: str, params: Mapping[str, str], signature: str) -> str:
    """The whole text as the person reads it, signature first (China's convention)."""
    template = check(template_id, params)
    return signature + _PLACEHOLDER.sub(lambda m: params[m.group(1)], template.text)

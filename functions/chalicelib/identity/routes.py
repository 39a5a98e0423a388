"""Sign-in configuration, the caller's own identity, and partner credentials."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core import api
from chalicelib.core.auth import Principal
from chalicelib.core.config import settings
from chalicelib.core.labels import ROLE_LABELS
from chalicelib.core.roles import MFA_ROLES
from chalicelib.identity import service
from chalicelib.identity.models import Me, Partner, PartnerIn, PartnerIssued, PartnerPage, SignInConfig
from chalicelib.orgs import service as orgs


@api.route("/auth/config", summary="工作人员登录所需的配置（用户池与客户端编号）", tag="登录",
           response=SignInConfig)
def sign_in_config() -> object:
    s = settings()
    suffix = "amazonaws.com.cn" if s.region.startswith("cn-") else "amazonaws.com"
    endpoint = s.cognito_endpoint or f"https://cognito-idp.{s.region}.{suffix}/"
    return SignInConfig(region=s.region, user_pool_id=s.cognito_user_pool_id, client_id=s.cognito_client_id,
                        endpoint=endpoint)


@api.route("/me", summary="当前登录的工作人员或合作应用", tag="登录", response=Me)
@api.staff(*ROLE_LABELS)
def me(principal: Principal) -> object:
    return _me(principal)


@api.route("/me/mfa", "POST", summary="登记本人已绑定验证器（动态验证码）", tag="登录", response=Me,
           problems=(409,),
           description="浏览器直接在 Cognito 完成绑定（AssociateSoftwareToken、VerifySoftwareToken、"
                       "SetUserMFAPreference）后调用本接口；本接口向 Cognito（AdminGetUser）核实该账号已启用"
                       "动态验证码，再记入工作人员档案。密钥不经过本接口。市总管理员和财务人员在登记之前，"
                       "其他接口一律答 403（/problems/mfa-required）。")
@api.staff(*sorted(MFA_ROLES), before_mfa=True)
def confirm_mfa(principal: Principal) -> object:
    service.confirm_mfa(principal)
    return _me(principal)


def _me(principal: Principal) -> Me:
    unit = orgs.get_unit(principal.unit_id)
    roles = sorted(principal.roles)
    return Me(kind=principal.kind, id=principal.id, name=principal.name, unit_id=unit.id, unit_name=unit.name,
              roles=roles, role_labels=[ROLE_LABELS[r] for r in roles if r in ROLE_LABELS])


@api.route("/admin/partners", "POST", summary="为合作应用签发调用凭证（凭证只显示一次）", tag="合作应用",
           body=PartnerIn, response=PartnerIssued, status=201)
@api.staff("city_admin")
@api.shown_once("key")
def issue_partner(body: PartnerIn, principal: Principal) -> object:
    return service.issue_partner(body, principal)


@api.route("/admin/partners", summary="合作应用列表（不含凭证）", tag="合作应用", response=PartnerPage,
           query_params={"cursor": "上一页返回的 next_cursor"})
@api.staff("city_admin", "auditor")
def list_partners(principal: Principal) -> object:
    params: Mapping[str, str] = api.current_request().query_params or {}
    return service.list_partners(params.get("cursor"), principal)


@api.route("/admin/partners/{partner_id}/revoke", "POST", summary="吊销合作应用的凭证", tag="合作应用",
           response=Partner, problems=(404,), path_params={"partner_id": "合作应用编号"})
@api.staff("city_admin")
def revoke_partner(partner_id: str, principal: Principal) -> object:
    return service.revoke_partner(partner_id, principal)

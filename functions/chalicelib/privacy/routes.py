"""Personal data rights by reference + phone (POSTs: the phone never enters a URL), and the
retention policy set by the city federation."""

from __future__ import annotations

from chalicelib.core import api
from chalicelib.core.auth import Principal
from chalicelib.privacy import service
from chalicelib.privacy.models import Erased, EraseIn, MyData, MyDataIn, Policy, PolicyIn


@api.route("/privacy/my-data", "POST", summary="凭查询编号和手机号码查看本人被保存的个人信息", tag="个人信息",
           body=MyDataIn, response=MyData, problems=(404,),
           description="每次查看都会向登记的手机号码发一条提醒短信（只含查阅时间和编号），"
                       "不是本人查看时，号码的主人也能知道。")
@api.lookup
def my_data(body: MyDataIn) -> object:
    return service.my_data(body)


@api.route("/privacy/erase", "POST", summary="凭查询编号和手机号码要求删除本人的个人信息", tag="个人信息",
           body=EraseIn, response=Erased, problems=(404,),
           description="记录的类别、办理单位和状态等统计信息保留，姓名、电话、地址等个人信息清除。")
def erase(body: EraseIn) -> object:
    return service.erase(body)


@api.route("/admin/privacy-policy", summary="个人信息保存期限", tag="个人信息", response=Policy)
@api.staff("city_admin", "auditor")
def get_policy() -> object:
    return service.get_policy()


@api.route("/admin/privacy-policy", "PUT", summary="设置疫情防控任务结束日期和个人信息保存期限", tag="个人信息",
           body=PolicyIn, response=Policy)
@api.staff("city_admin")
def set_policy(body: PolicyIn, principal: Principal) -> object:
    return service.set_policy(body, principal)


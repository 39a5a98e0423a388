"""Care for frontline medical staff: the archive, contact persons, contact logs and cover."""

from __future__ import annotations

from chalicelib.core import api, xlsx
from chalicelib.core.auth import Principal
from chalicelib.frontline import care, importer, service
from chalicelib.frontline.models import (
    AssignIn,
    BulkAssigned,
    BulkAssignIn,
    Claim,
    ClaimIn,
    Contact,
    ContactIn,
    ContactList,
    CoverIn,
    CoverOut,
    CoverPage,
    DuplicateGroupPage,
    FileOut,
    HistoryList,
    ImportCheck,
    ImportIn,
    ImportResult,
    LogEntry,
    LogIn,
    LogList,
    Member,
    MemberIn,
    MyFamilies,
    OnBehalfIn,
    PersonDetail,
    PersonIn,
    PersonOut,
    PersonPage,
    PhoneOut,
    RollupPage,
    SupportRaised,
)
from chalicelib.frontline.service import CONTACT, READ, WRITE

TAG = "一线人员关爱"
UNIT = {"unit_id": "工会组织编号"}
FAMILY = {"person_id": "家庭编号"}
CURSOR = {"cursor": "上一页返回的 next_cursor"}


def _cursor() -> str | None:
    params: dict[str, str] = dict(api.current_request().query_params or {})
    return params.get("cursor")


@api.route("/staff/frontline/units/{unit_id}/personnel", "POST", summary="登记一线人员", tag=TAG, body=PersonIn,
           response=PersonOut, status=201, problems=(404,), path_params=UNIT,
           description="由医院工会填报。身份证号码只保存加密摘要和隐去中间位的形式；"
                       "其他医院已登记同一号码时照常登记，并在 duplicates 中列出，供核实：本单位及下级的给出单位和"
                       "家庭编号，其他的只提示「已在其他单位登记，请联系市总工会核实」。")
@api.staff(*WRITE)
def create_person(unit_id: str, body: PersonIn, principal: Principal) -> object:
    return service.create_person(unit_id, body, principal)


@api.route("/staff/frontline/units/{unit_id}/personnel", summary="一个单位登记的一线人员（分页）", tag=TAG,
           response=PersonPage, problems=(404,), path_params=UNIT, query_params=CURSOR)
@api.staff(*READ)
@api.audit_reads
def unit_persons(unit_id: str, principal: Principal) -> object:
    return service.unit_persons(unit_id, _cursor(), principal)


@api.route("/staff/frontline/units/{unit_id}/rollup", summary="本单位及下级单位的一线人员档案汇总", tag=TAG,
           response=RollupPage, problems=(404,), path_params=UNIT, query_params=CURSOR)
@api.staff(*READ)
def rollup(unit_id: str, principal: Principal) -> object:
    return service.rollup(unit_id, _cursor(), principal)


@api.route("/staff/frontline/units/{unit_id}/duplicates", summary="与其他医院重复登记的一线人员", tag=TAG,
           response=PersonPage, problems=(404,), path_params=UNIT)
@api.staff(*READ)
@api.audit_reads
def duplicates(unit_id: str, principal: Principal) -> object:
    return service.duplicates(unit_id, principal)


@api.route("/staff/frontline/units/{unit_id}/duplicate-groups", summary="跨单位重复登记（按身份证号码分组，分页）",
           tag=TAG, response=DuplicateGroupPage, problems=(404,), path_params=UNIT, query_params=CURSOR,
           description="同一身份证号码在多家医院登记、且其中一家在本单位及下级时列出。调用人本单位及下级的登记给出"
                       "单位、家庭编号和姓名，其他单位的只提示「已在其他单位登记，请联系市总工会核实」；"
                       "市总工会看到全部。")
@api.staff(*READ)
@api.audit_reads
def duplicate_groups(unit_id: str, principal: Principal) -> object:
    return service.duplicate_groups(unit_id, _cursor(), principal)


@api.route("/staff/frontline/units/{unit_id}/uncovered", summary="尚未配备联系人的家庭（含下级单位）", tag=TAG,
           response=PersonPage, problems=(404,), path_params=UNIT, query_params=CURSOR)
@api.staff(*READ)
@api.audit_reads
def uncovered(unit_id: str, principal: Principal) -> object:
    return service.uncovered(unit_id, _cursor(), principal)


@api.route("/staff/frontline/import-template", summary="下载一线人员档案导入模板（xlsx，base64）", tag=TAG,
           response=FileOut, media_types=(xlsx.MEDIA_TYPE,))
@api.staff(*WRITE)
def import_template() -> object:
    return importer.template()


@api.route("/staff/frontline/units/{unit_id}/imports", "POST", summary="从 xlsx 文件批量导入一线人员和家属",
           tag=TAG, body=ImportIn, response=ImportResult, status=201, problems=(404,), path_params=UNIT,
           description="先逐行检查整个文件，有错时回答 400，errors 逐行列出（如「一线人员第3行身份证号码」），"
                       "什么也不保存（错误报告 xlsx 见 imports/check）。"
                       "Excel 中设为数字格式的手机号码、身份证号码按文字读取。"
                       "本院档案中已有的一线人员不重复登记，文件中列出的新家属补充到这户（existing 为这样的户数）。"
                       "同一文件重新提交会补全中断的导入，不会重复登记。")
@api.staff(*WRITE)
def import_file(unit_id: str, body: ImportIn, principal: Principal) -> object:
    return importer.import_file(unit_id, body, principal)


@api.route("/staff/frontline/units/{unit_id}/imports/check", "POST",
           summary="检查导入文件，有问题时给出错误报告（xlsx）", tag=TAG, body=ImportIn, response=ImportCheck,
           problems=(404,), path_params=UNIT,
           description="与导入时的检查完全相同，但什么也不保存：文件可以导入时 ok 为 true；有问题时逐行列出，"
                       "并在 report 中给出错误报告（xlsx，base64）：一张「需要修改的地方」汇总表，"
                       "另按工作表列出有问题的行和每行的问题。导入被拒绝（400）后，用同一文件调用它即可下载错误报告。")
@api.staff(*WRITE)
@api.lookup
def check_import(unit_id: str, body: ImportIn, principal: Principal) -> object:
    return importer.check(unit_id, body, principal)


@api.route("/staff/frontline/families/{person_id}", summary="一个一线人员家庭的详情（含家属）", tag=TAG,
           response=PersonDetail, problems=(404,), path_params=FAMILY)
@api.staff(*READ, CONTACT)
@api.audit_reads
def detail(person_id: str, principal: Principal) -> object:
    return service.detail(person_id, principal)


@api.route("/staff/frontline/families/{person_id}/members", "POST", summary="登记无法照顾的家属", tag=TAG,
           body=MemberIn, response=Member, status=201, problems=(404,), path_params=FAMILY)
@api.staff(*WRITE, CONTACT)
def add_member(person_id: str, body: MemberIn, principal: Principal) -> object:
    return service.add_member(person_id, body, principal)


@api.route("/staff/frontline/families/{person_id}/members/{member_id}", "PUT", summary="修改家属的登记信息",
           tag=TAG, body=MemberIn, response=Member, problems=(404, 409),
           path_params={**FAMILY, "member_id": "家属编号"},
           description="整条替换家属的姓名、关系、年龄、需要的照顾和居住地址；已参保的家属，参保名单随之更新。")
@api.staff(*WRITE, CONTACT)
def edit_member(person_id: str, member_id: str, body: MemberIn, principal: Principal) -> object:
    return service.edit_member(person_id, member_id, body, principal)


@api.route("/staff/frontline/units/{unit_id}/contacts", "POST", summary="登记本院的一对一联系人", tag=TAG,
           body=ContactIn, response=Contact, status=201, problems=(404,), path_params=UNIT,
           description="联系人须另有角色为「一对一联系人」的工作人员账号，登录名与此处一致。")
@api.staff(*WRITE)
def register_contact(unit_id: str, body: ContactIn, principal: Principal) -> object:
    return service.register_contact(unit_id, body, principal)


@api.route("/staff/frontline/units/{unit_id}/contacts", summary="本院的一对一联系人", tag=TAG, response=ContactList,
           problems=(404,), path_params=UNIT)
@api.staff(*READ)
def list_contacts(unit_id: str, principal: Principal) -> object:
    return service.list_contacts(unit_id, principal)


@api.route("/staff/frontline/families/{person_id}/contact", "POST", summary="为家庭指定或更换联系人", tag=TAG,
           body=AssignIn, response=PersonOut, problems=(404,), path_params=FAMILY,
           description="每个家庭只有一位在任联系人；更换时保留历史。version 为读取时的版本号。")
@api.staff(*WRITE)
def assign_contact(person_id: str, body: AssignIn, principal: Principal) -> object:
    return service.assign_contact(person_id, body, principal)


@api.route("/staff/frontline/units/{unit_id}/contact-assignments", "POST", summary="为多个家庭指定同一位联系人",
           tag=TAG, body=BulkAssignIn, response=BulkAssigned, problems=(404,), path_params=UNIT,
           description="一次最多 100 户，全部成功或全部不变：任何一户不存在或不在本单位及下级时回答 404，"
                       "不是这家医院登记的或个人信息已删除时回答 400 并逐户列出（person_ids.<序号>）。"
                       "联系人须已在本院登记，并有在用的一对一联系人账号。"
                       "原来就由这位联系人联系的家庭不重复计入 assigned。")
@api.staff(*WRITE)
def assign_many(unit_id: str, body: BulkAssignIn, principal: Principal) -> object:
    return service.assign_many(unit_id, body, principal)


@api.route("/staff/frontline/families/{person_id}/contact-history", summary="家庭联系人的更换历史", tag=TAG,
           response=HistoryList, problems=(404,), path_params=FAMILY)
@api.staff(*READ, CONTACT)
def contact_history(person_id: str, principal: Principal) -> object:
    return service.contact_history(person_id, principal)


@api.route("/staff/frontline/my-families", summary="我联系的一线人员家庭（含家属、最近的联系记录和配送）", tag=TAG,
           response=MyFamilies, query_params=CURSOR,
           description="每页最多 100 户，一次给出联系人页面需要的全部内容：家庭、家属、最近 5 条联系记录、"
                       "当前爱心蔬菜活动最近几周的配送。手机号码部分隐去，拨打时用 phone 接口取完整号码。")
@api.staff(CONTACT)
@api.audit_reads
def my_families(principal: Principal) -> object:
    return service.my_families(_cursor(), principal)


@api.route("/staff/frontline/families/{person_id}/phone", "POST", summary="查看家庭的完整手机号码（拨打电话用）",
           tag=TAG, response=PhoneOut, problems=(404,), path_params=FAMILY,
           description="只给这个家庭在任的一对一联系人（本单位及下级的其他人回答 403）；每次查看都记入审计。"
                       "用 POST 是为了号码不进入网址和缓存；它不改变任何记录，重复调用无妨，"
                       "答复不随 Idempotency-Key 保存。")
@api.staff(CONTACT)
@api.lookup
def family_phone(person_id: str, principal: Principal) -> object:
    return service.family_phone(person_id, principal)


@api.route("/staff/frontline/families/{person_id}/logs", "POST", summary="记录一次联系及家庭的需求", tag=TAG,
           body=LogIn, response=LogEntry, status=201, problems=(404,), path_params=FAMILY)
@api.staff(*WRITE, CONTACT)
def add_log(person_id: str, body: LogIn, principal: Principal) -> object:
    return service.add_log(person_id, body, principal)


@api.route("/staff/frontline/families/{person_id}/logs", summary="家庭的联系记录", tag=TAG, response=LogList,
           problems=(404,), path_params=FAMILY)
@api.staff(*READ, CONTACT)
@api.audit_reads
def logs(person_id: str, principal: Principal) -> object:
    return service.logs(person_id, principal)


@api.route("/staff/frontline/families/{person_id}/support-requests", "POST", summary="代家庭提交求助", tag=TAG,
           body=OnBehalfIn, response=SupportRaised, status=201, problems=(404,), path_params=FAMILY,
           description="经求助服务受理（如心理咨询 psychological、困难帮扶 hardship），返回查询编号并记入联系记录。")
@api.staff(*WRITE, CONTACT)
def raise_support(person_id: str, body: OnBehalfIn, principal: Principal) -> object:
    return care.raise_support(person_id, body, principal)


@api.route("/staff/frontline/families/{person_id}/cover", "POST", summary="登记重大疾病、意外伤害保障", tag=TAG,
           body=CoverIn, response=CoverOut, problems=(404,), path_params=FAMILY)
@api.staff(*WRITE)
def enrol(person_id: str, body: CoverIn, principal: Principal) -> object:
    return care.enrol(person_id, body, principal)


@api.route("/staff/frontline/units/{unit_id}/cover", summary="本单位的参保名单", tag=TAG, response=CoverPage,
           problems=(404,), path_params=UNIT, query_params=CURSOR)
@api.staff(*READ)
@api.audit_reads
def unit_cover(unit_id: str, principal: Principal) -> object:
    return care.unit_cover(unit_id, _cursor(), principal)


@api.route("/staff/frontline/units/{unit_id}/cover/export", summary="导出给保险机构的参保名单（xlsx，base64）",
           tag=TAG, response=FileOut, problems=(404,), media_types=(xlsx.MEDIA_TYPE,), path_params=UNIT)
@api.staff(*READ)
@api.audit_reads
def insurer_list(unit_id: str, principal: Principal) -> object:
    return care.insurer_list(unit_id, principal)


@api.route("/staff/frontline/families/{person_id}/claims", "POST", summary="登记保障理赔（作为求助受理）", tag=TAG,
           body=ClaimIn, response=Claim, status=201, problems=(404,), path_params=FAMILY)
@api.staff(*WRITE, CONTACT)
def claim(person_id: str, body: ClaimIn, principal: Principal) -> object:
    return care.claim(person_id, body, principal)

"""Good-practice and typical-case reports: units write and submit, the city federation reviews and
publishes, the public reads published cases."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from chalice.app import Response

from chalicelib.core import api, errors, roles
from chalicelib.core.auth import Principal
from chalicelib.reports import service
from chalicelib.reports.models import (
    MAX_PHOTOS,
    PHOTO_TYPES,
    CommentIn,
    PhotoData,
    PublicationIn,
    PublicCasePage,
    ReportDetail,
    ReportEdit,
    ReportIn,
    ReportPage,
    ReviewIn,
    Upload,
    UploadIn,
    VersionIn,
)

TAG = "先进做法和典型案例"
WRITERS, READERS, REVIEWERS = roles.CASEWORK, roles.CASEWORK_READ, roles.CITY
REPORT = {"report_id": "报送编号"}
PHOTO = {**REPORT, "index": f"照片序号（0 到 {MAX_PHOTOS - 1}）"}


def _index(index: str) -> int:
    if not index.isdigit() or int(index) >= MAX_PHOTOS:
        raise errors.not_found()
    return int(index)


def _image(data: bytes, content_type: str) -> Response:
    return Response(body=data, status_code=200, headers={"Content-Type": content_type, "Content-Disposition": "inline",
                                                          "Cache-Control": "public, max-age=300"})


@api.route("/reports", "POST", summary="本单位报送一份先进做法或典型案例（草稿）", tag=TAG, body=ReportIn,
           response=ReportDetail, status=201)
@api.staff(*WRITERS)
def create(body: ReportIn, principal: Principal) -> object:
    return service.create(body, principal)


@api.route("/reports", summary="本单位及下级单位的报送（按状态；市总看全市）", tag=TAG, response=ReportPage,
           query_params={"status": "draft、submitted（默认）、returned、accepted 或 published",
                         "cursor": "上一页返回的 next_cursor"})
@api.staff(*READERS)
def listing(principal: Principal) -> object:
    params: Mapping[str, str] = api.current_request().query_params or {}
    return service.listing(params.get("status"), params.get("cursor"), principal)


@api.route("/reports/{report_id}", summary="一份报送的内容、照片数和意见记录", tag=TAG, response=ReportDetail,
           problems=(404,), path_params=REPORT)
@api.staff(*READERS)
def detail(report_id: str, principal: Principal) -> object:
    return service.detail(report_id, principal)


@api.route("/reports/{report_id}", "PUT", summary="修改草稿或退回修改的报送", tag=TAG, body=ReportEdit,
           response=ReportDetail, problems=(404,), path_params=REPORT)
@api.staff(*WRITERS)
def edit(report_id: str, body: ReportEdit, principal: Principal) -> object:
    return service.edit(report_id, body, principal)


@api.route("/reports/{report_id}/uploads", "POST", summary="申请上传一张照片（返回预签名表单）", tag=TAG,
           body=UploadIn, response=Upload, status=201, problems=(404,), path_params=REPORT,
           description="照片由浏览器直接提交到存储桶：表单限定了文件名、格式（JPEG、PNG、WebP）和大小。"
                       "上传后调用 confirm，核对无误才加入报送。")
@api.staff(*WRITERS)
def start_upload(report_id: str, body: UploadIn, principal: Principal) -> object:
    return service.start_upload(report_id, body, principal)


@api.route("/reports/{report_id}/uploads/{upload_id}/confirm", "POST", summary="确认照片已上传，加入报送", tag=TAG,
           response=ReportDetail, problems=(404, 409, 422),
           path_params={**REPORT, "upload_id": "申请上传时返回的 upload_id"})
@api.staff(*WRITERS)
def confirm_upload(report_id: str, upload_id: str, principal: Principal) -> object:
    return service.confirm_upload(report_id, upload_id, principal)


@api.route("/reports/{report_id}/photos/{index}", summary="报送中的一张照片（data: 地址）", tag=TAG,
           response=PhotoData, problems=(404,), path_params=PHOTO)
@api.staff(*READERS)
def photo(report_id: str, index: str, principal: Principal) -> object:
    data, content_type = service.photo(report_id, _index(index), principal)
    return PhotoData(content_type=content_type,
                     data_url=f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}")


@api.route("/reports/{report_id}/photos/{index}/remove", "POST", summary="从草稿或退回修改的报送中删除一张照片",
           tag=TAG, body=VersionIn, response=ReportDetail, problems=(404,), path_params=PHOTO)
@api.staff(*WRITERS)
def remove_photo(report_id: str, index: str, body: VersionIn, principal: Principal) -> object:
    return service.remove_photo(report_id, _index(index), body, principal)


@api.route("/reports/{report_id}/submit", "POST", summary="提交给市总工会保障部审核", tag=TAG, body=VersionIn,
           response=ReportDetail, problems=(404,), path_params=REPORT)
@api.staff(*WRITERS)
def submit(report_id: str, body: VersionIn, principal: Principal) -> object:
    return service.submit(report_id, body, principal)


@api.route("/reports/{report_id}/comments", "POST", summary="写一条意见（报送单位和市总都能看到）", tag=TAG,
           body=CommentIn, response=ReportDetail, status=201, problems=(404,), path_params=REPORT)
@api.staff(*WRITERS)
def comment(report_id: str, body: CommentIn, principal: Principal) -> object:
    return service.comment(report_id, body, principal)


@api.route("/reports/{report_id}/review", "POST", summary="市总审核：退回修改或采用", tag=TAG, body=ReviewIn,
           response=ReportDetail, problems=(404,), path_params=REPORT)
@api.staff(*REVIEWERS)
def review(report_id: str, body: ReviewIn, principal: Principal) -> object:
    return service.review(report_id, body, principal)


@api.route("/reports/{report_id}/publication", "POST", summary="市总公开或撤下一个已采用的案例", tag=TAG,
           body=PublicationIn, response=ReportDetail, problems=(404,), path_params=REPORT)
@api.staff(*REVIEWERS)
def publication(report_id: str, body: PublicationIn, principal: Principal) -> object:
    return service.publication(report_id, body, principal)


@api.route("/public/cases", summary="已公开的先进做法和典型案例", tag=TAG, response=PublicCasePage,
           query_params={"cursor": "上一页返回的 next_cursor"})
def public_cases() -> object:
    params: Mapping[str, str] = api.current_request().query_params or {}
    return service.public_cases(params.get("cursor"))


@api.route("/public/cases/{case_id}/photos/{index}", summary="已公开案例的一张照片（图片）", tag=TAG,
           problems=(404,), path_params={"case_id": "案例编号", "index": f"照片序号（0 到 {MAX_PHOTOS - 1}）"},
           media_types=tuple(PHOTO_TYPES), description="请求须带 Accept（如 image/*, */*），图片按原格式返回。")
def public_photo(case_id: str, index: str) -> object:
    return _image(*service.public_photo(case_id, _index(index)))

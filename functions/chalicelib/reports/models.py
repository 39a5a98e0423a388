"""Request and response models of good-practice and typical-case reports."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.core import labels
from chalicelib.core.fields import MULTI_LINE, SINGLE_LINE, Text, Version
from chalicelib.core.models import DemoMarked, RequestModel, ResponseModel

MAX_PHOTOS = 4
MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
STATUSES = ("draft", "submitted", "returned", "accepted", "published")
STATUS_LABELS = labels.REPORT_STATUS_LABELS



def _at_least(count: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) < count:
            raise ValueError(f"至少要写 {count} 个字")
        return value

    return AfterValidator(check)


def _photo_size(value: int) -> int:
    if value > MAX_PHOTO_BYTES:
        raise ValueError(f"不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB，请缩小后再上传")
    return value


ReportTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), SINGLE_LINE,
                  _at_least(4)]
ReportText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), MULTI_LINE,
                 _at_least(20)]


class ReportIn(RequestModel):
    title: Annotated[ReportTitle, Field(title="标题")]
    text: Annotated[ReportText, Field(title="正文")]


class ReportEdit(ReportIn):
    version: Version


class UploadIn(RequestModel):
    content_type: Annotated[Literal["image/jpeg", "image/png", "image/webp"], Field(title="照片格式")]
    size: Annotated[int, Field(ge=1, title="照片大小"), AfterValidator(_photo_size)]


class VersionIn(RequestModel):
    version: Version


class CommentIn(RequestModel):
    text: Annotated[Text, Field(title="意见")]


class ReviewIn(RequestModel):
    decision: Annotated[Literal["return", "accept"], Field(title="审核结果")]
    comment: Annotated[Text | None, Field(title="意见")] = None
    version: Version


class PublicationIn(RequestModel):
    published: Annotated[bool, Field(title="是否公开")]
    version: Version


class Upload(ResponseModel):
    upload_id: str
    url: str = Field(description="浏览器把照片以 multipart/form-data 表单 POST 到这个地址")
    fields: dict[str, str] = Field(description="表单中放在文件之前的字段，原样提交")
    max_bytes: int
    expires_at: str


class PhotoData(ResponseModel):
    content_type: str
    data_url: str = Field(description="data: 地址，可直接用作图片的 src")


class Comment(ResponseModel):
    text: str
    by: str
    by_name: str | None = Field(default=None, description="写意见的人的姓名")
    unit_name: str
    action: Literal["comment", "return", "accept", "publish", "unpublish"]
    at: str


class ReportSummary(DemoMarked):
    report_id: str
    unit_id: str
    unit_name: str
    title: str
    status: str
    status_label: str
    photo_count: int
    version: int
    created_at: str
    submitted_at: str | None = None
    published_at: str | None = None


class ReportDetail(ReportSummary):
    text: str
    created_by: str
    created_by_name: str | None = Field(default=None, description="撰写人的姓名")
    comments: list[Comment]


class ReportPage(ResponseModel):
    items: list[ReportSummary]
    next_cursor: str | None = None


class PublicCase(ResponseModel):
    case_id: str
    title: str
    unit_name: str
    text: str
    photos: list[str] = Field(description="照片地址（本站 /api 下，不经第三方）")
    published_at: str


class PublicCasePage(ResponseModel):
    items: list[PublicCase]
    next_cursor: str | None = None

"""Operators import members' profiles from CSV or Excel on the member list (preview with
each row's changes and errors, all or nothing) and export the same columns."""

import csv
import io
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from crm.admin.member_resources import MAX_IMPORT_ROWS
from crm.models import MemberTag, Tag
from members.models import Gender, Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/members/member/import/"
CONFIRM_URL = "/admin/members/member/process_import/"
EXPORT_URL = "/admin/members/member/export/"
CSV_FORMAT, XLSX_FORMAT = "0", "1"


def operator(client, job):
    account = MemberFactory(is_staff=True, openid=None)
    account.groups.add(Group.objects.get(name=job))
    client.force_login(account)
    return account


@pytest.fixture
def member_ops(client):
    return operator(client, "会员运营")


@pytest.fixture
def manager(client):
    return operator(client, "店长")


def csv_file(rows, *, encoding="utf-8-sig", name="members.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="members.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def preview(client, upload, file_format=CSV_FORMAT):
    return client.post(IMPORT_URL, {"format": file_format, "import_file": upload, "resource": "0"})


def confirm(client, response):
    form = response.context["confirm_form"]
    return client.post(CONFIRM_URL, {name: form.initial[name] for name in ("import_file_name", "original_file_name", "format", "resource")})


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def profile(member):
    member.refresh_from_db()
    return member.phone, member.gender, member.province, member.city, member.attributes


def test_a_good_csv_is_previewed_then_applied_and_logged(client, member_ops, attributes):
    first = MemberFactory(openid="o_first")
    second = MemberFactory(phone="13900000002")
    upload = csv_file([
        ["openid", "手机号", "性别", "省份", "城市", "肤质", "身高", "生日", "会员卡"],
        ["o_first", "13800000001", "女", "广东", "深圳", "油性", "168", "1995/4/1", "是"],
        ["", "13900000002", "男", "", "", "干性", "", "", "否"],
    ])
    response = preview(client, upload)
    assert response.status_code == 200 and response.context["confirm_form"] is not None
    assert "13800000001" in page_text(response) and "油性" in page_text(response)
    assert profile(first)[0] == ""  # the preview changed nothing

    confirmed = confirm(client, response)
    assert confirmed.status_code == 302
    assert profile(first) == ("13800000001", Gender.FEMALE, "广东", "深圳",
                              {"skin_type": "油性", "height_cm": 168, "birthday": "1995-04-01", "vip": True})
    # Found by phone: the phone is how the row names the member, the rest is changed.
    assert profile(second) == ("13900000002", Gender.MALE, "", "", {"skin_type": "干性", "vip": False})
    entry = LogEntry.objects.get(object_id=str(first.pk))
    assert entry.user == member_ops and "手机号" in entry.change_message and "肤质" in entry.change_message


def test_an_xlsx_file_is_imported_with_excel_types(client, member_ops, attributes):
    member = MemberFactory()
    import datetime

    upload = xlsx_file([["ID", "身高", "生日", "会员卡", "手机号"], [member.pk, 172, datetime.datetime(2001, 2, 3), True, 13512345678]])
    response = preview(client, upload, XLSX_FORMAT)
    assert response.context["confirm_form"] is not None, page_text(response)
    confirm(client, response)
    assert profile(member)[0] == "13512345678"
    assert profile(member)[4] == {"height_cm": 172, "birthday": "2001-02-03", "vip": True}


def test_a_gbk_csv_from_excel_is_read(client, member_ops, attributes):
    member = MemberFactory(openid="o_gbk")
    upload = csv_file([["openid", "省份", "城市", "肤质"], ["o_gbk", "四川", "成都", "干性"]], encoding="gbk")
    confirm(client, preview(client, upload))
    assert profile(member)[2:] == ("四川", "成都", {"skin_type": "干性"})


def test_one_bad_row_shows_its_errors_and_nothing_is_applied(client, member_ops, attributes):
    good = MemberFactory(openid="o_good")
    bad = MemberFactory(openid="o_bad")
    upload = csv_file([
        ["openid", "手机号", "性别", "肤质", "身高", "生日", "会员卡"],
        ["o_good", "13800000001", "女", "油性", "", "", ""],
        ["o_bad", "12345", "不详", "中性", "999", "1995-13-01", "也许"],
    ])
    response = preview(client, upload)
    assert response.context.get("confirm_form") is None
    text = page_text(response)
    for message in ("请输入 11 位手机号", "请填写 男、女 或 未知", "请从选项中选择：干性、油性", "不能大于 230cm",
                    "日期格式为 YYYY-MM-DD", "请填写 是 或 否"):
        assert message in text
    assert "13800000001" in text  # the good row's changes are still shown
    assert profile(good)[0] == "" and profile(bad)[0] == ""


def test_an_unmatched_member_is_a_row_error(client, member_ops):
    MemberFactory(openid="o_known")
    staff = MemberFactory(is_staff=True, openid="o_staff")
    upload = csv_file([["openid", "城市"], ["o_known", "杭州"], ["o_nobody", "杭州"], ["o_staff", "杭州"]])
    response = preview(client, upload)
    assert response.context.get("confirm_form") is None
    assert page_text(response).count("找不到会员") == 2
    assert not Member.objects.filter(city="杭州").exists()
    assert Member.objects.filter(openid="o_nobody").count() == 0 and profile(staff)[3] == ""


def test_a_file_without_an_identifier_column_is_refused(client, member_ops):
    MemberFactory(city="")
    response = preview(client, csv_file([["城市"], ["杭州"]]))
    assert response.context.get("confirm_form") is None
    assert "文件缺少识别会员的列" in page_text(response)
    assert not Member.objects.filter(city="杭州").exists()


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00"), "请上传 CSV（.csv）或 Excel（.xlsx）文件"),
    (SimpleUploadedFile("members.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR"), "无法读取这个文件"),
    (SimpleUploadedFile("members.xlsx", b"not a zip"), "请选择相符的格式"),
])
def test_files_that_are_not_csv_or_xlsx_are_refused_in_chinese(client, member_ops, upload, message):
    response = preview(client, upload)
    assert response.status_code == 200
    assert message in page_text(response)


def test_a_broken_xlsx_is_refused(client, member_ops):
    response = preview(client, SimpleUploadedFile("members.xlsx", b"not a zip"), XLSX_FORMAT)
    assert "无法读取这个文件" in page_text(response)


def test_a_huge_file_is_refused_with_the_limit(client, member_ops):
    rows = [["openid", "城市"]] + [[f"o_{n}", "杭州"] for n in range(MAX_IMPORT_ROWS + 1)]
    response = preview(client, csv_file(rows))
    assert f"一次最多导入 {MAX_IMPORT_ROWS} 行" in page_text(response)


def test_tags_add_existing_manual_tags_only(client, member_ops):
    member = MemberFactory(openid="o_tag")
    vip = Tag.objects.create(name="VIP")
    response = preview(client, csv_file([["openid", "标签"], ["o_tag", "VIP，不存在的标签"]]))
    assert "没有这个标签：不存在的标签" in page_text(response)
    assert not MemberTag.objects.exists()

    confirm(client, preview(client, csv_file([["openid", "标签"], ["o_tag", "VIP"]])))
    assert list(MemberTag.objects.values_list("member", "tag")) == [(member.pk, vip.pk)]


def test_a_member_twice_in_a_file_is_an_error(client, member_ops):
    MemberFactory(openid="o_twice")
    response = preview(client, csv_file([["openid", "城市"], ["o_twice", "杭州"], ["o_twice", "宁波"]]))
    assert "这位会员在第 1 行已出现" in page_text(response)


def test_import_never_touches_points_balance_nickname_or_openid(client, member_ops):
    member = MemberFactory(openid="o_safe", nickname="小明")
    upload = csv_file([["openid", "昵称", "积分", "余额（元）", "城市"], ["o_safe", "黑客", "99999", "10000.00", "杭州"]])
    confirm(client, preview(client, upload))
    member.refresh_from_db()
    assert (member.nickname, member.points, member.balance_fen, member.openid, member.city) == ("小明", 0, 0, "o_safe", "杭州")


@pytest.mark.parametrize("job", ["订单客服", "财务"])
def test_only_operators_who_may_change_members_import(client, job):
    operator(client, job)
    assert client.get(IMPORT_URL).status_code == 403


def test_export_has_the_profile_columns_and_needs_the_export_permission(client, manager, attributes):
    member = MemberFactory(openid="o_exp", phone="13800000009", gender=Gender.FEMALE, province="广东", city="广州",
                           attributes={"skin_type": "油性", "height_cm": 160, "vip": True})
    MemberTag.objects.create(member=member, tag=Tag.objects.create(name="VIP"))
    response = client.post(EXPORT_URL, {"format": CSV_FORMAT, "resource": "0"})
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads it as UTF-8
    header, row = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[:2]
    assert header[:11] == ["ID", "openid", "昵称", "手机号", "性别", "省份", "城市", "肤质", "身高", "生日", "会员卡"]
    assert {"标签", "RFM 分组", "积分"} <= set(header)
    by_column = dict(zip(header, row, strict=True))
    assert (by_column["手机号"], by_column["性别"], by_column["肤质"], by_column["会员卡"], by_column["标签"]) == ("13800000009", "女", "油性", "是", "VIP")


def test_member_operations_may_not_export_phones(client, member_ops):
    MemberFactory(phone="13800000009")
    assert client.post(EXPORT_URL, {"format": CSV_FORMAT, "resource": "0"}).status_code == 403
    assert EXPORT_URL not in client.get("/admin/members/member/").content.decode()
    assert IMPORT_URL in client.get("/admin/members/member/").content.decode()


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_a_round_trip_changes_nothing(client, manager, attributes, file_format):
    member = MemberFactory(phone="13800000009", gender=Gender.MALE, province="广东", city="广州", nickname="=1+1",
                           attributes={"skin_type": "油性", "height_cm": 160.5, "birthday": "2000-01-31", "vip": False})
    MemberTag.objects.create(member=member, tag=Tag.objects.create(name="VIP"))
    MemberFactory()
    exported = client.post(EXPORT_URL, {"format": file_format, "resource": "0"}).content
    if file_format == XLSX_FORMAT:
        assert load_workbook(io.BytesIO(exported)).active.max_row == 3
    before = profile(member)
    response = preview(client, SimpleUploadedFile("members.xlsx" if file_format == XLSX_FORMAT else "members.csv", exported), file_format)
    assert response.context["confirm_form"] is not None, page_text(response)
    assert all(row.import_type == "skip" for row in response.context["result"].rows)
    confirm(client, response)
    assert profile(member) == before
    assert not LogEntry.objects.filter(object_id=str(member.pk)).exists()


def test_the_confirmation_step_needs_the_import_permission_too(client, member_ops, attributes):
    member = MemberFactory(openid="o_confirm")
    response = preview(client, csv_file([["openid", "城市"], ["o_confirm", "杭州"]]))
    operator(client, "订单客服")
    assert confirm(client, response).status_code == 403
    assert profile(member)[3] == ""

"""Members' profiles as a spreadsheet: the columns the member list exports and reads
back (CSV or Excel), for django-import-export.

An import only changes what a member could change on their own profile page (phone,
gender, region, the operator-defined attributes) and adds manual tags. The values go
through the same checks as PATCH /api/v1/me (its serializer, then the attribute rules)
and are written by the same service, so the page, the API and the import cannot drift
apart. Members are never created here: they come from WeChat.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.resources import ModelResource

from config.errors import InvalidInput
from config.exports import FORMULA_STARTS, safe_cell
from config.money import format_yuan
from crm.api.me import ProfileUpdateSerializer
from crm.models import MemberTag, Tag
from crm.selectors import shoppers
from members.models import AttributeKind, Gender, Member, ProfileAttribute
from members.selectors import active_attributes
from members.services.profile_attributes import clean_attribute_values
from members.services.profiles import member_update_profile

MAX_IMPORT_ROWS = 5000
UNREADABLE = "无法读取这个文件：请上传 CSV（UTF-8 或 GBK 编码）或 Excel（.xlsx）文件，并选择与之相符的格式"
TOO_MANY_ROWS = "一次最多导入 {limit} 行，这个文件有 {rows} 行：请分成几个文件再导入"
NO_IDENTIFIER = "文件缺少识别会员的列：需要 ID、openid 或 手机号 其中一列"

# Columns the import reads; every other column (昵称, 积分 …) is there to read and is ignored.
ID, OPENID, PHONE, GENDER, PROVINCE, CITY, TAGS = "ID", "openid", "手机号", "性别", "省份", "城市", "标签"
PROFILE_COLUMNS = {PHONE: "phone", GENDER: "gender", PROVINCE: "province", CITY: "city"}
GENDER_BY_LABEL = {label: value for value, label in Gender.choices}
TAG_SEPARATORS = re.compile(r"[,，、;；]")
BOOLEANS = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False}


class _Capped:
    """Every import format: unreadable files and files over the row limit are refused
    with a message for the operator before any row is looked at."""

    def create_dataset(self, in_stream, **kwargs):
        try:
            dataset = super().create_dataset(in_stream, **kwargs)
        except Exception as exc:
            raise ValueError(UNREADABLE) from exc
        if dataset.height > MAX_IMPORT_ROWS:
            raise ValueError(TOO_MANY_ROWS.format(limit=MAX_IMPORT_ROWS, rows=dataset.height))
        return dataset


class SpreadsheetCSV(_Capped, CSV):
    """CSV as Chinese operators have it: Excel and WPS save "CSV" in GBK, anything else
    writes UTF-8, with or without a BOM. Read as bytes and decoded here, since the file
    itself does not say which; written with a BOM, so Excel opens it as UTF-8."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = decode_spreadsheet_text(in_stream)
        return super().create_dataset(in_stream, **kwargs)

    def export_data(self, dataset, **kwargs):
        return super().export_data(dataset, **kwargs).encode("utf-8-sig")


class SpreadsheetXLSX(_Capped, XLSX):
    pass


def decode_spreadsheet_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 is the superset of GBK Excel writes
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # a binary file that happens to decode is still not a CSV
            return text
    raise ValueError(UNREADABLE)


class Column(Field):
    """One column of the sheet: what it shows for a member, in the export and in the
    import's preview (before and after). The import itself reads the row in
    MemberProfileResource.import_instance, never through the column."""

    def __init__(self, column_name, show):
        super().__init__(column_name=column_name, readonly=True)
        self.show = show

    def export(self, instance, **kwargs):
        return safe_cell(self.show(instance))


def _tag_names(member) -> list[str]:
    cached = getattr(member, "_tag_names", None)
    if cached is None:
        cached = sorted(member_tag.tag.name for member_tag in member.member_tags.all())
    return cached


def _attribute_shown(attribute: ProfileAttribute, value):
    if value is None:
        return ""
    if attribute.kind == AttributeKind.BOOLEAN:
        return "是" if value else "否"
    return value


class MemberProfileResource(ModelResource):
    id = Column(ID, lambda m: m.pk)
    openid = Column(OPENID, lambda m: m.openid)
    nickname = Column("昵称", lambda m: m.nickname)
    phone = Column(PHONE, lambda m: m.phone)
    gender = Column(GENDER, lambda m: m.get_gender_display())
    province = Column(PROVINCE, lambda m: m.province)
    city = Column(CITY, lambda m: m.city)
    tags = Column(TAGS, lambda m: ",".join(_tag_names(m)))
    source_channel = Column("来源渠道", lambda m: m.source_channel)
    rfm_group = Column("RFM 分组", lambda m: _stats(m).get_rfm_group_display() if _stats(m) else "")
    points = Column("积分", lambda m: m.points)
    balance = Column("余额（元）", lambda m: format_yuan(m.balance_fen))
    date_joined = Column("注册时间", lambda m: m.date_joined)

    class Meta:
        model = Member
        name = "会员资料"
        fields = ("id", "openid", "nickname", "phone", "gender", "province", "city", "tags", "source_channel", "rfm_group",
                  "points", "balance", "date_joined")
        # One transaction for the whole file: any bad row and nothing is applied.
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.attributes = active_attributes()
        self.attribute_by_label = {attribute.label: attribute for attribute in self.attributes.values()}
        # The operator's attributes go after the member's own fields, in their order.
        columns = [(name, self.fields[name]) for name in self._meta.fields]
        position = [name for name, _ in columns].index("tags")
        extra = [
            (f"attribute_{key}", Column(attribute.label, lambda m, a=attribute: _attribute_shown(a, m.attributes.get(a.key))))
            for key, attribute in sorted(self.attributes.items(), key=lambda item: (item[1].position, item[1].pk))
        ]
        self.fields = dict(columns[:position] + extra + columns[position:])
        self.seen_members = {}

    def get_import_order(self):
        return tuple(self.fields)

    def get_export_order(self):
        return tuple(self.fields)

    # --- export -----------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("purchase_stats").prefetch_related("member_tags__tag")

    # --- import -----------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        dataset.headers = [str(header).strip() if header is not None else "" for header in dataset.headers or []]
        # Spreadsheets keep rows that were typed in and cleared again: not rows to import.
        for index in reversed([index for index, values in enumerate(dataset) if all(cell(value) == "" for value in values)]):
            del dataset[index]
        if not {ID, OPENID, PHONE} & set(dataset.headers):
            raise ValueError(NO_IDENTIFIER)

    def before_import_row(self, row, row_number=None, **kwargs):
        self.row_number = row_number

    def get_or_init_instance(self, instance_loader, row):
        member = self._find_member(row)
        first_row = self.seen_members.setdefault(member.pk, self.row_number)
        if first_row != self.row_number:
            raise ValidationError(f"这位会员在第 {first_row} 行已出现，同一会员只能有一行")
        member._tag_names = _tag_names(member)
        return member, False

    def _find_member(self, row) -> Member:
        candidates = shoppers().select_related("purchase_stats").prefetch_related("member_tags__tag")
        member_id, openid, phone = cell(row.get(ID)), cell(row.get(OPENID)), cell(row.get(PHONE))
        if member_id != "":
            if not re.fullmatch(r"[0-9]+(\.0+)?", str(member_id)):
                raise ValidationError({ID: "ID 应为数字"})
            found = candidates.filter(pk=int(Decimal(str(member_id))))
            if openid != "":
                found = found.filter(openid=openid)
        elif openid != "":
            found = candidates.filter(openid=openid)
        elif phone != "":
            found = candidates.filter(phone=phone)
        else:
            raise ValidationError("找不到会员：这一行的 ID、openid 和 手机号 都是空的")
        members = list(found[:2])
        if not members:
            raise ValidationError("找不到会员")
        if len(members) > 1:
            raise ValidationError("这个手机号对应多位会员，请用 ID 或 openid 识别")
        if members[0].erased_at:
            raise ValidationError("这位会员已删除个人信息，不能导入")
        return members[0]

    def import_instance(self, instance, row, **kwargs):
        """Read the row, check it as PATCH /api/v1/me would, and set the changes on the
        member in memory: the preview shows them, save_instance writes them."""
        identified_by_phone = cell(row.get(ID)) == "" and cell(row.get(OPENID)) == ""
        errors, payload, attributes = {}, {}, {}
        for column, name in PROFILE_COLUMNS.items():
            value = cell(row.get(column))
            if value == "" or (name == "phone" and identified_by_phone):
                continue
            if name == "gender":
                if value not in GENDER_BY_LABEL:
                    errors[column] = ["请填写 男、女 或 未知"]
                    continue
                value = GENDER_BY_LABEL[value]
            payload[name] = str(value) if name != "gender" else value
        for label, attribute in self.attribute_by_label.items():
            value = cell(row.get(label))
            if value == "":
                continue
            try:
                attributes[attribute.key] = _typed(attribute, value)
            except ValueError as exc:
                errors[label] = [str(exc)]

        body = ProfileUpdateSerializer(data=payload, partial=True)
        if not body.is_valid():
            for name, messages in body.errors.items():
                column = next(column for column, field in PROFILE_COLUMNS.items() if field == name)
                errors[column] = [str(message) for message in messages]
        try:
            attributes = clean_attribute_values(attributes, self.attributes)
        except InvalidInput as exc:
            by_key = exc.fields["attributes"]
            errors.update({self.attributes[key].label: messages for key, messages in by_key.items()})
        tags_to_add = self._tags_to_add(instance, cell(row.get(TAGS)), errors)
        if errors:
            raise ValidationError(errors)

        fields = {name: value for name, value in body.validated_data.items() if getattr(instance, name) != value}
        changed_attributes = {key: value for key, value in attributes.items() if instance.attributes.get(key) != value}
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.attributes = {**instance.attributes, **changed_attributes}
        instance._tag_names = sorted({*instance._tag_names, *(tag.name for tag in tags_to_add)})
        columns = [column for column, name in PROFILE_COLUMNS.items() if name in fields]
        columns += [self.attributes[key].label for key in changed_attributes] + ([TAGS] if tags_to_add else [])
        instance.import_changes = {"fields": fields, "attributes": changed_attributes, "tags": tags_to_add, "columns": columns}

    def _tags_to_add(self, member, text, errors) -> list[Tag]:
        names = {name.strip() for name in TAG_SEPARATORS.split(str(text)) if name.strip()}
        new_names = names - set(member._tag_names)
        if not new_names:
            return []
        tags = {tag.name: tag for tag in Tag.objects.filter(name__in=new_names)}
        problems = [f"没有这个标签：{name}" for name in sorted(new_names - set(tags))]
        problems += [f"「{tag.name}」是按分群自动维护的标签，不能导入" for tag in tags.values() if tag.kind != Tag.Kind.MANUAL]
        if problems:
            errors[TAGS] = problems
        return sorted(tags.values(), key=lambda tag: tag.pk)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        changes = getattr(instance, "import_changes", None)
        return not import_validation_errors and changes is not None and not changes["columns"]

    def do_instance_save(self, instance, is_create):
        changes = instance.import_changes
        if changes["fields"] or changes["attributes"]:
            member_update_profile(member=instance, attributes=changes["attributes"], **changes["fields"])
        MemberTag.objects.bulk_create(
            [MemberTag(member=instance, tag=tag) for tag in changes["tags"]], ignore_conflicts=True,
        )


def _stats(member):
    return getattr(member, "purchase_stats", None)


def cell(value):
    """A cell as the import reads it: blank is "", text is stripped, and the `'` our
    exports put before a formula-like value is taken off again (config.exports)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
            value = value[1:]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value


def _typed(attribute: ProfileAttribute, value):
    """A cell's text (or Excel's number, date, boolean) as the value the API would
    receive; whether that value is allowed is clean_attribute_values' call."""
    kind = attribute.kind
    if kind == AttributeKind.NUMBER and isinstance(value, str):
        for parse in (int, float):
            try:
                return parse(value)
            except ValueError:
                continue
        return value
    if kind == AttributeKind.DATE:
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        match = re.fullmatch(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})", str(value))
        if match:
            try:
                return datetime.date(*map(int, match.groups())).isoformat()
            except ValueError:
                pass
        return str(value)
    if kind == AttributeKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        if str(value).lower() in BOOLEANS:
            return BOOLEANS[str(value).lower()]
        raise ValueError("请填写 是 或 否")
    if kind in (AttributeKind.TEXT, AttributeKind.CHOICE) and not isinstance(value, str):
        return str(value)
    return value

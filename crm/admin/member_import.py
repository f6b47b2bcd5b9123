import logging
from collections import defaultdict
from pathlib import PurePath

from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from import_export.admin import ImportExportMixin
from import_export.results import RowResult
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from crm.admin.member_resources import (
    MAX_IMPORT_ROWS,
    UNREADABLE,
    MemberProfileResource,
    SpreadsheetCSV,
    SpreadsheetXLSX,
)

logger = logging.getLogger(__name__)
MAX_IMPORT_BYTES = 5 * 1024 * 1024  # far more than MAX_IMPORT_ROWS rows of profile fields
EXTENSIONS = {".csv": SpreadsheetCSV, ".xlsx": SpreadsheetXLSX}


class MemberImportForm(ImportForm):
    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        expected = EXTENSIONS.get(PurePath(upload.name).suffix.lower())
        if expected is None:
            raise ValidationError({"import_file": "请上传 CSV（.csv）或 Excel（.xlsx）文件；旧版 .xls 请先另存为 .xlsx"})
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError({"import_file": f"文件太大：最多 {MAX_IMPORT_BYTES // 1024 // 1024} MB、{MAX_IMPORT_ROWS} 行"})
        chosen = cleaned.get("format")
        if chosen not in (None, "") and self.formats[int(chosen)] is not expected:
            raise ValidationError({"format": f"文件是 {PurePath(upload.name).suffix.lower()}，请选择相符的格式"})
        return cleaned


class MemberImportMixin(ImportExportMixin):
    """Importing and exporting members' profiles and attributes (CSV/Excel): the file is
    read, every row checked and the changes previewed (a dry run in a transaction that is
    rolled back); only a file without a single bad row can be confirmed, and then it is
    applied in one transaction. Import needs members.change_member; export, which carries
    phones, needs members.export_member (MemberAdmin.has_export_permission)."""

    resource_classes = [MemberProfileResource]
    formats = [SpreadsheetCSV, SpreadsheetXLSX]
    import_form_class = MemberImportForm
    export_form_class = ExportForm
    import_template_name = "admin/members/member/import.html"
    import_error_display = ("message",)  # operators see what is wrong, never a traceback
    # The import reads bytes itself (UTF-8 or GBK: SpreadsheetCSV), so the temp file is binary.
    from_encoding = None
    skip_admin_log = True  # generate_log_entries below writes what changed, in Chinese

    def has_import_permission(self, request):
        return request.user.has_perm("members.change_member")

    def get_import_data_kwargs(self, **kwargs):
        # A row that went bad between the preview and the confirmation undoes the whole file.
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.setdefault("rollback_on_validation_errors", True)
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", str(e) if isinstance(e, ValueError) else UNREADABLE)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, "没有导入任何数据：有的行在预览之后变得无效（可能会员资料刚被修改），请重新上传文件预览")
            return HttpResponseRedirect(reverse("admin:members_member_import"))
        self.generate_log_entries(result, request)
        updated = result.totals[RowResult.IMPORT_TYPE_UPDATE]
        unchanged = result.totals[RowResult.IMPORT_TYPE_SKIP]
        logger.info("operator %s imported the profiles of %s members", request.user.pk, updated)
        messages.success(request, f"导入完成：更新 {updated} 位会员，{unchanged} 行没有变化")
        return HttpResponseRedirect(reverse("admin:members_member_changelist"))

    def generate_log_entries(self, result, request):
        """Each changed member's history says the import changed it and which columns;
        members with the same changes are written in one statement."""
        by_message = defaultdict(list)
        for row in result.rows:
            if row.import_type == RowResult.IMPORT_TYPE_UPDATE:
                by_message["导入会员资料表，修改了 " + "、".join(row.instance.import_changes["columns"])].append(row.instance)
        for message, members in by_message.items():
            LogEntry.objects.log_actions(request.user.pk, members, CHANGE, change_message=message, single_object=len(members) == 1)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        logger.info("operator %s exported the member list with phones (%s)", request.user.pk, file_format.get_title())
        return data

    def get_export_filename(self, request, queryset, file_format):
        return f"members-{timezone.localtime():%Y%m%d-%H%M}.{file_format.get_extension()}"

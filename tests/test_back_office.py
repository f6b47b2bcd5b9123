"""The operator back office (django-unfold): every admin on it, a sidebar in Chinese grouped
by the operators' jobs showing each operator only what they may open, the scheduled jobs
in words, and no English left from the theme."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import resolve
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from unfold.admin import BaseInlineMixin, ModelAdmin
from unfold.sites import UnfoldAdminSite

from mall.admin.shop import crontab_in_words, interval_in_words, schedule_in_words
from members.models import Member
from members.services.operator_groups import GROUPS
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

JOBS = ["商品", "订单与售后", "分销", "营销活动", "会员", "设置与任务"]


def test_every_admin_and_inline_is_on_unfold():
    assert isinstance(admin.site, UnfoldAdminSite)
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ModelAdmin), model
        for inline in model_admin.inlines:
            assert issubclass(inline, BaseInlineMixin), (model, inline)


def sidebar_for(user) -> list[dict]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return admin.site.get_sidebar_list(request)


def visible(sidebar) -> set[type]:
    """The models behind the entries the sidebar shows."""
    shown = set()
    for group in sidebar:
        for item in group["items"]:
            view = resolve(str(item["link"])).func
            # A list page knows its ModelAdmin; a settings singleton's page is its bound change view.
            model_admin = getattr(view, "model_admin", None) or getattr(getattr(view, "__wrapped__", None), "__self__", None)
            if item["has_permission"] and hasattr(model_admin, "model"):  # not the home page
                shown.add(model_admin.model)
    return shown


def test_the_sidebar_groups_every_admin_page_by_job():
    superuser = Member(is_superuser=True, is_staff=True, is_active=True)
    sidebar = sidebar_for(superuser)
    assert [group.get("title") for group in sidebar][1:] == JOBS
    assert visible(sidebar) == set(admin.site._registry)  # a new admin joins the sidebar


@pytest.mark.parametrize("job", [*GROUPS, None])
def test_the_sidebar_shows_an_operator_only_what_they_may_open(job):
    operator = MemberFactory(is_staff=True, openid=None)
    if job:
        operator.groups.add(Group.objects.get(name=job))
    operator = Member.objects.get(pk=operator.pk)
    request = RequestFactory().get("/admin/")
    request.user = operator
    may_open = {
        model for model, model_admin in admin.site._registry.items()
        if model_admin.has_module_permission(request) and model_admin.has_view_or_change_permission(request)
    }
    assert visible(sidebar_for(operator)) == may_open


@pytest.mark.parametrize("seconds, words", [
    (60, "每 1 分钟"), (300, "每 5 分钟"), (600, "每 10 分钟"), (3600, "每小时"), (7200, "每 2 小时"), (86400, "每天"), (90, "每 90 秒"),
])
def test_intervals_read_as_operators_say_them(seconds, words):
    assert interval_in_words(IntervalSchedule(every=seconds, period=IntervalSchedule.SECONDS)) == words


def test_crontabs_read_as_operators_say_them():
    assert crontab_in_words(CrontabSchedule(minute="30", hour="3")) == "每天 03:30"
    assert crontab_in_words(CrontabSchedule(minute="0", hour="9", day_of_week="1")) == "每周一 09:00"
    assert crontab_in_words(CrontabSchedule(minute="*/15")) == "每 15 分钟"
    assert crontab_in_words(CrontabSchedule(minute="0", hour="*/2")) == "Cron：0 */2 * * *"


def test_the_scheduled_jobs_list_says_when_each_runs(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    html = client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "运行频率" in html and "每 1 分钟" in html and "每 10 分钟" in html and "每天" in html
    job = PeriodicTask.objects.select_related("interval").get(name="佣金对账")
    assert schedule_in_words(job) == "每天"


def test_the_back_office_leaves_no_english_from_its_theme(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    html = client.get("/admin/mall/order/").content.decode()
    assert "输入以搜索" in html and "Type to search" not in html
    login = Client().get("/admin/login/").content.decode()
    assert "欢迎回到" in login and "Welcome back to" not in login

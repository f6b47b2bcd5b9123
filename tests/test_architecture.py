"""The same rooms in every app (ARCHITECTURE.md), so a reader finds things by habit: each
module of an app is one of the rooms, subscriptions live in `receivers`, domain errors in
`errors`, and every scheduled job is also a management command calling the same service."""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django.core.management import get_commands

from config.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = ["outbox", "members", "mall", "distribution", "campaigns", "crm"]
ROOMS = {"models", "services", "selectors", "api", "views", "admin", "tasks", "receivers", "errors", "management", "urls", "apps"}
# Names Django itself gives a meaning to; a reader knows them just as well.
DJANGO_HOOKS = {"middleware", "context_processors", "converters", "backends", "templatetags"}
NOT_CODE = {"__init__", "__pycache__", "migrations", "fonts", "templates", "static"}


def modules_of(app: str):
    package = importlib.import_module(app)
    yield package
    for info in pkgutil.walk_packages(package.__path__, f"{app}."):
        if ".migrations" not in info.name:
            yield importlib.import_module(info.name)


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_every_module_of_an_app_is_one_of_its_rooms(app):
    entries = {path.stem for path in (ROOT / app).iterdir() if path.suffix == ".py" or path.is_dir()}
    assert not entries - ROOMS - DJANGO_HOOKS - NOT_CODE


def test_every_subscriber_lives_in_the_receivers_room():
    """`<app>.receivers`, a module or (in an app with many subjects) a package of them."""
    from outbox.services import SUBSCRIBERS

    handlers = [handler for subscribers in SUBSCRIBERS.values() for handler in subscribers.values()]
    assert handlers
    assert {handler.__module__.split(".")[1] for handler in handlers} == {"receivers"}


def test_nobody_announces_with_bare_django_signals():
    """Side effects ride the outbox; a Signal() of our own would be a way around it."""
    for app in [*DOMAIN_APPS, "wechat", "config"]:
        for path in (ROOT / app).rglob("*.py"):
            assert "Signal()" not in path.read_text(), path


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_domain_errors_are_declared_in_the_errors_room(app):
    for module in modules_of(app):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Exception):
                assert module.__name__.endswith(".errors"), f"{cls.__name__} is declared in {module.__name__}"


def test_every_domain_error_has_a_code_and_a_chinese_message():
    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    for app in DOMAIN_APPS:
        list(modules_of(app))
    for error in all_subclasses(DomainError):
        assert error.code and error.code == error.code.lower() and " " not in error.code, error
        assert any("\u4e00" <= char <= "\u9fff" for char in error.message), error


@pytest.mark.django_db
def test_every_scheduled_job_is_a_command_calling_the_same_service():
    from django_celery_beat.models import PeriodicTask

    commands = get_commands()
    jobs = list(PeriodicTask.objects.exclude(task__startswith="celery.").values_list("task", flat=True))
    assert jobs
    for dotted in jobs:
        module_name, name = dotted.rsplit(".", 1)
        assert name in commands, f"{dotted} has no management command {name}"
        task = getattr(importlib.import_module(module_name), name)
        called = _called_names(inspect.getsource(task.run if hasattr(task, "run") else task))
        command = Path(importlib.import_module(f"{commands[name]}.management.commands.{name}").__file__).read_text()
        assert any(service in command for service in called), f"{name}: the command calls none of {called}"


def _called_names(source: str) -> set[str]:
    tree = ast.parse(inspect.cleandoc(source) if source.startswith(" ") else source)
    return {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def test_every_constraint_speaks_to_operators_in_chinese():
    """A form that trips a database constraint shows its message, never its name."""
    from django.apps import apps
    from django.db.models import BaseConstraint

    default = BaseConstraint.default_violation_error_message
    for app in [*DOMAIN_APPS, "wechat"]:
        for model in apps.get_app_config(app).get_models():
            for constraint in model._meta.constraints:
                message = str(constraint.violation_error_message)
                assert message != default and any("\u4e00" <= char <= "\u9fff" for char in message), f"{model.__name__}.{constraint.name}"

from django.shortcuts import render

from wechat.emulator.users import ensure_default_users


def index(request):
    return render(request, "wx_emulator/index.html", {"users": ensure_default_users()})

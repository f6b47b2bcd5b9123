from functools import wraps

from django.conf import settings
from django.http import HttpResponseForbidden
from django.urls import path

from wechat.emulator import custom, mass, mch, mp, oauth, pages
from wechat.emulator.checks import is_local_host

app_name = "wx_emulator"
urlpatterns = [
    # Pages for people
    path("", pages.index, name="index"),
    path("oauth/authorize", oauth.authorize, name="oauth_authorize"),
    path("pay/cashier/", pages.cashier, name="cashier"),
    path("pay/", pages.payments, name="payments"),
    path("pay/<int:pk>/resend/", pages.resend_payment_notice, name="resend_payment_notice"),
    path("refunds/", pages.refunds, name="refunds"),
    path("messages/", pages.messages, name="messages"),
    path("mass/", mass.inbox, name="mass_inbox"),
    path("mass/thumb/<str:media_id>.jpg", mass.thumb, name="mass_thumb"),
    path("official-account/", pages.official_account, name="official_account"),
    path("official-account/chat/<str:openid>/", custom.chat, name="chat"),
    path("official-account/chat/<str:openid>/send/", custom.chat_send, name="chat_send"),
    path("avatar/<str:openid>.png", oauth.avatar, name="avatar"),
    path("showqrcode", mp.show_qrcode, name="showqrcode"),
    # api.weixin.qq.com
    path("api/sns/oauth2/access_token", oauth.sns_access_token, name="sns_access_token"),
    path("api/sns/userinfo", oauth.sns_userinfo, name="sns_userinfo"),
    path("api/cgi-bin/token", mp.token, name="token"),
    path("api/cgi-bin/ticket/getticket", mp.ticket, name="ticket"),
    path("api/cgi-bin/message/template/send", mp.send_template, name="send_template"),
    path("api/cgi-bin/media/upload", mass.upload_media, name="upload_media"),
    path("api/cgi-bin/media/uploadnews", mass.upload_news, name="upload_news"),
    path("api/cgi-bin/message/mass/send", mass.mass_send, name="mass_send"),
    path("api/cgi-bin/message/mass/preview", mass.mass_preview, name="mass_preview"),
    path("api/cgi-bin/qrcode/create", mp.create_qrcode, name="create_qrcode"),
    path("api/cgi-bin/message/custom/send", custom.custom_send, name="custom_send"),
    # api.mch.weixin.qq.com
    path("mch/pay/unifiedorder", mch.unified_order, name="unified_order"),
    path("mch/pay/orderquery", mch.order_query, name="order_query"),
    path("mch/pay/closeorder", mch.close_order, name="close_order"),
    path("mch/secapi/pay/refund", mch.refund, name="refund"),
    path("mch/mmpaymkttransfers/promotion/transfers", mch.transfer, name="transfer"),
    path("mch/mmpaymkttransfers/sendredpack", mch.send_red_pack, name="send_red_pack"),
]



def only_from_this_machine(view):
    """The system check looks at the names the site answers to; a client elsewhere could
    still send `Host: 127.0.0.1`. So the emulator also looks at where the request came from."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if settings.WECHAT_EMULATOR_ALLOW_REMOTE or is_local_host(request.META.get("REMOTE_ADDR", "")):
            return view(request, *args, **kwargs)
        return HttpResponseForbidden("微信模拟器只对本机开放；在可信的局域网演示时设置 WECHAT_EMULATOR_ALLOW_REMOTE=true。")

    return guarded


for pattern in urlpatterns:
    pattern.callback = only_from_this_machine(pattern.callback)

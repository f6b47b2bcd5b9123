from django.urls import path

from wechat.emulator import oauth, pages

app_name = "wx_emulator"
urlpatterns = [
    path("", pages.index, name="index"),
    path("oauth/authorize", oauth.authorize, name="oauth_authorize"),
    path("api/sns/oauth2/access_token", oauth.sns_access_token, name="sns_access_token"),
    path("api/sns/userinfo", oauth.sns_userinfo, name="sns_userinfo"),
    path("avatar/<str:openid>.png", oauth.avatar, name="avatar"),
]

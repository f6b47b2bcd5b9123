from django.urls import path

from wechat import views

app_name = "wechat"
urlpatterns = [
    path("login/", views.login_start, name="login"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
    path("callback/", views.official_account_callback, name="callback"),
]

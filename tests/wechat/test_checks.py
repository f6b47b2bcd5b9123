from wechat.apps import check_wechat_settings


def ids(errors):
    return {error.id for error in errors}


def test_emulator_mode_needs_nothing(settings):
    settings.WECHAT_MODE = "emulator"
    assert check_wechat_settings(None) == []


def test_live_mode_refuses_to_start_without_credentials_or_a_secret_key(settings):
    settings.WECHAT_MODE = "live"
    settings.WECHAT_MCH_ID = ""
    settings.SITE_URL = "http://shop.example.com"
    assert ids(check_wechat_settings(None)) == {"wechat.E002", "wechat.E003", "wechat.W001", "wechat.E004"}


def test_live_mode_with_everything_set_is_fine(settings):
    settings.WECHAT_MODE = "live"
    settings.SECRET_KEY = "a-real-secret"
    settings.SITE_URL = "https://shop.example.com"
    settings.WECHAT_PAY_CERT_PATH, settings.WECHAT_PAY_KEY_PATH = "/etc/wechat/cert.pem", "/etc/wechat/key.pem"
    assert check_wechat_settings(None) == []


def test_an_unknown_mode_is_an_error(settings):
    settings.WECHAT_MODE = "sandbox"
    assert ids(check_wechat_settings(None)) == {"wechat.E001"}

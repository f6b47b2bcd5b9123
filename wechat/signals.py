"""What the official account told us. Sent after the event is recorded, with
`openid=`, `kind=` ("subscribe", "unsubscribe", "scan", "text", …), `scene=` (the QR
scene without WeChat's "qrscene_" prefix, or "") and `content=` (text messages)."""

from django.dispatch import Signal

account_event = Signal()

"""Texts members send to the official account land in the customer-service inbox."""

from crm.services.inbox import inbox_receive
from outbox.services import subscriber
from wechat.models import ACCOUNT_EVENT


@subscriber(ACCOUNT_EVENT, name="crm.inbox")
def inbox(event):
    if event.payload["kind"] != "text":
        return
    # The event is published once per WeChat message (wechat keeps each message once), so
    # its id is the message's identity: a redelivery finds the row it already wrote.
    inbox_receive(openid=event.payload["openid"], content=event.payload.get("content", ""), received_at=event.created_at,
                  dedup_key=f"account_event:{event.pk}")

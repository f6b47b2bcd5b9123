from django.core.management.base import BaseCommand

from wechat.messages import template_messages_send_pending


class Command(BaseCommand):
    help = "Send the service (template) messages still pending a minute after they were queued."

    def handle(self, *args, **options):
        self.stdout.write(f"tried {template_messages_send_pending()} pending messages")

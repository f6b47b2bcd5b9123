"""What campaigns do when other apps' events arrive (outbox subscribers)."""

"""The CRM's scheduled and queued jobs (Celery)."""

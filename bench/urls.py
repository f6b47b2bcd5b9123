from django.urls import path

from bench import bare
from config.urls import urlpatterns as shop

urlpatterns = [
    path("bench/bare/checkin", bare.checkin),
    path("bench/bare/spin/<int:prize_id>", bare.spin),
    path("bench/bare/grab/<int:packet_id>", bare.grab),
    *shop,
]

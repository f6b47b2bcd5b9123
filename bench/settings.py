"""The shop's settings for the benchmarks: the bench's routes (bench/urls.py) beside the
shop's, and the query counter (bench/middleware.py) in front of the shop's middleware."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

"""The shop's settings plus the bare views the campaign benchmark compares against."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

"""Static files as production serves them (whitenoise: hashed names, compressed copies),
with each name's URL worked out once per process."""

from functools import lru_cache

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The manifest is read once when the process starts and never changes under it, so a
    name's URL cannot change either: every page names the same dozen files, and looking
    each up in the manifest and joining it to STATIC_URL cost a page more than its SQL."""

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        return self._url_once(name)

    @lru_cache(maxsize=1024)  # noqa: B019 — one storage object per process, living as long as it
    def _url_once(self, name):
        return super().url(name)

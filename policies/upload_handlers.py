"""Upload handlers that keep the file name exactly as the browser sent it.

Django shortens names longer than 255 characters before a view receives
them, so `policies.uploads.check_upload` reads the full name from here.
"""

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler


class _KeepClientName:
    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.client_name = self.file_name
        return uploaded


class MemoryHandler(_KeepClientName, MemoryFileUploadHandler):
    pass


class TemporaryHandler(_KeepClientName, TemporaryFileUploadHandler):
    pass

"""Keeping an uploaded import file: its stored name, its fingerprint, and no file left behind when the upload
is refused. For the import batches of the feature apps (a model with `file` and `original_name`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from .problems import ImportFileError


def stored_name(uploaded_file: UploadedFile) -> str:
    """The upload's own file name made safe to store (no folders, no odd characters), at most 200 long."""
    return get_valid_filename(Path(uploaded_file.name or "upload").name)[:200] or "upload"


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks (a file of hundreds of megabytes is not held at once)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def file_deleted_unless_kept(batch) -> Iterator[None]:
    """A refused upload leaves no file behind in MEDIA_ROOT, whatever refused it: a file-level problem
    becomes the form's error on the file, named; anything else is raised after the file is deleted."""
    try:
        yield
    except ImportFileError as exc:
        batch.file.delete(save=False)
        raise ValidationError({"file": f"{batch.original_name}: {exc}"}) from None
    except BaseException:
        batch.file.delete(save=False)
        raise

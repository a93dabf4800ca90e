"""Evidence uploads: checked by size, extension and content, stored outside the web root under a random name."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from .unit_of_work import file_written

#: Allowed extensions and how their content must start.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "txt": (),
    "csv": (),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain",
    "csv": "text/csv",
}


class UploadError(ValueError):
    """A file that is refused; the message says why."""


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str
    content_type: str
    size_bytes: int
    sha256: str


def store_upload(upload: FileStorage) -> StoredFile:
    """Check an uploaded file and write it to the uploads folder; raise UploadError naming the problem.

    The file belongs to the request's unit of work: it is deleted again if the request is rolled back.
    """
    name = upload.filename or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in SIGNATURES:
        allowed = ", ".join(sorted(SIGNATURES))
        raise UploadError(f"{name or 'the file'}: files of this type are not accepted (accepted: {allowed})")
    limit = current_app.config["DDQ_MAX_EVIDENCE_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"{name}: the file is larger than {limit // (1024 * 1024)} MB")
    if not data:
        raise UploadError(f"{name}: the file is empty")
    signatures = SIGNATURES[extension]
    if signatures and not data.startswith(signatures):
        raise UploadError(f"{name}: the content is not a .{extension} file")
    if not signatures and (b"\x00" in data[:4096] or not _is_text(data)):
        raise UploadError(f"{name}: the content is not plain text")
    safe = secure_filename(name) or f"document.{extension}"
    stored_name = secrets.token_hex(16)
    folder = Path(current_app.config["DDQ_UPLOADS"])
    folder.mkdir(parents=True, exist_ok=True)
    file_written(folder / stored_name)  # before writing: a write that fails half-way leaves no part behind
    (folder / stored_name).write_bytes(data)
    return StoredFile(safe[:255], stored_name, CONTENT_TYPES[extension], len(data), hashlib.sha256(data).hexdigest())


def accepted_files() -> str:
    """The file inputs' `accept` filter: the extensions the upload check allows. Browsers match a file by its name's
    extension alone; the filter only helps people pick, `store_upload` checks every file whatever it says."""
    return ",".join(f".{extension}" for extension in SIGNATURES)


def upload_path(stored_name: str) -> Path:
    return Path(current_app.config["DDQ_UPLOADS"]) / stored_name


def _is_text(data: bytes) -> bool:
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > 65530  # a character cut at the sample's end is fine
    return True

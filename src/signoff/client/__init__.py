"""The CLI as a client of ``signoff serve`` (remote mode: ``SIGNOFF_URL`` is set).

Small on purpose: HTTP (the standard library's), the stored login and the server's JSON as records —
never FastAPI or SQLAlchemy, so a remote command starts fast.  Problems (RFC 9457)
come back as the CLI's own errors, with the same message and exit code.
"""

from __future__ import annotations

from ._credentials import config_dir, credentials_file, forget, load
from ._errors import RemoteBug, error_from_problem
from ._facade import RemoteSignoff
from ._http import STAMP_HEADER, Client, remote_url
from ._parts import NOT_REMOTE, not_remote
from ._records import Record, RemoteCR

__all__ = [
    "NOT_REMOTE",
    "STAMP_HEADER",
    "Client",
    "Record",
    "RemoteBug",
    "RemoteCR",
    "RemoteSignoff",
    "config_dir",
    "credentials_file",
    "error_from_problem",
    "forget",
    "load",
    "not_remote",
    "remote_url",
]

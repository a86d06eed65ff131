"""The git revision of the running code, for run.json provenance.

Soft only where there is genuinely nothing to record: code that is not in a git checkout (an
installed wheel) yields None. A checkout whose revision cannot be read (git missing, a repository
git refuses as untrusted, a corrupt one) fails closed, because recording null there would silently
lose the provenance of a run.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import fraud_platform
from fraud_platform.core.errors import FailClosed
from fraud_platform.operate._reasons import GIT_REVISION_UNAVAILABLE

__all__ = ["code_directory", "git_revision"]

_REVISION = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_NOT_A_CHECKOUT = "not a git repository"
_TIMEOUT_S = 10.0


def code_directory() -> Path:
    """The directory of the `fraud_platform` package: the revision recorded is the code's, not the cwd's."""
    return Path(fraud_platform.__file__).resolve().parent


def _inside_checkout(directory: Path) -> bool:
    return any((parent / ".git").exists() for parent in (directory, *directory.parents))


def git_revision(directory: Path | None = None, *, git: str = "git") -> str | None:
    """`git rev-parse HEAD` of `directory` (default: the package's directory), or None outside git.

    Raises:
        FailClosed(GIT_REVISION_UNAVAILABLE): inside a checkout, but the revision cannot be read.
    """
    where = directory or code_directory()
    try:
        result = subprocess.run(
            [git, "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as error:
        if not _inside_checkout(where):
            return None
        raise FailClosed(
            GIT_REVISION_UNAVAILABLE, f"{where} is in a git checkout but `{git}` is not installed"
        ) from error
    except subprocess.TimeoutExpired as error:
        raise FailClosed(GIT_REVISION_UNAVAILABLE, f"`git rev-parse` timed out in {where}") from error
    if result.returncode == 0:
        revision = result.stdout.strip()
        if not _REVISION.match(revision):
            raise FailClosed(GIT_REVISION_UNAVAILABLE, f"unexpected `git rev-parse` output {revision!r}")
        return revision
    if _NOT_A_CHECKOUT in result.stderr.lower():
        return None
    raise FailClosed(
        GIT_REVISION_UNAVAILABLE,
        f"`git rev-parse HEAD` failed in {where}: {result.stderr.strip()[:300]}",
        {"returncode": result.returncode},
    )

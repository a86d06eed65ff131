"""Parsing endpoints, Kafka bootstrap lists, DSNs and paths, just enough to judge where they point.

No DNS lookups: a rule that depends on the resolver of the machine that loads the profile would give
two answers for one profile. Hosts are judged by their literal text (names like `localhost`, IP
literals in every form `inet_aton` accepts, such as `127.1` or `0x7f000001`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = [
    "ParsedDsn",
    "bootstrap_hosts",
    "http_url_host",
    "is_local_host",
    "looks_like_local_path",
    "mask_dsn",
    "parse_dsn",
]

_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_SCHEME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_+.-]*://")
_PASSWORD_PARAMS = frozenset({"password", "passwd", "pass"})


def _ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    bare = host.split("%", 1)[0]  # an IPv6 zone id (`fe80::1%eth0`) is not part of the address
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def is_local_host(host: str | None) -> bool:
    """Loopback, private, link-local, unspecified, `localhost`, a Unix socket directory or no host."""
    name = (host or "").strip().strip("[]").lower().rstrip(".")
    if not name or name.startswith(("/", "@")):  # libpq: a host starting with / or @ is a Unix socket
        return True
    if name == "localhost" or name.endswith(".localhost"):
        return True
    ip = _ip_of(name)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified


def _host_of_hostport(hostport: str) -> str:
    text = hostport.strip()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    if text.count(":") > 1:  # a bare IPv6 literal without a port
        return text
    return text.rpartition(":")[0] if ":" in text else text


def http_url_host(url: str) -> str | None:
    """The host of an `http(s)://` URL, or None when `url` is not one (callers refuse it)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return parts.hostname or None


def bootstrap_hosts(bootstrap: str) -> list[str]:
    """Hosts of a `host:port[,host:port…]` list (an optional `PROTOCOL://` prefix is tolerated)."""
    hosts: list[str] = []
    for entry in bootstrap.split(","):
        text = _SCHEME_PREFIX.sub("", entry.strip())
        if text:
            hosts.append(_host_of_hostport(text))
    return hosts


def looks_like_local_path(value: str) -> bool:
    """A `file:` URI, an absolute, home-relative or dot-relative path, or a Windows drive path."""
    text = value.strip()
    if text.lower().startswith("file:"):
        return True
    if text.startswith(("/", "~", "./", "../", ".\\", "..\\", "\\")) or text in (".", ".."):
        return True
    return bool(_WINDOWS_DRIVE.match(text))


@dataclass(frozen=True)
class ParsedDsn:
    """What the rules need from a SQLAlchemy/libpq URL: its scheme, hosts and password(s)."""

    scheme: str
    hosts: tuple[str, ...]
    passwords: tuple[str, ...]

    @property
    def is_sqlite(self) -> bool:
        return self.scheme.split("+", 1)[0].lower() == "sqlite"


def _netloc_parts(netloc: str) -> tuple[str | None, str]:
    userinfo, at, hostlist = netloc.rpartition("@")
    if not at:
        return None, netloc
    _, colon, password = userinfo.partition(":")
    return (password if colon else None), hostlist


def parse_dsn(dsn: str) -> ParsedDsn:
    """Parse `scheme://[user[:password]@]host[:port][,host…]/db?…` without any driver.

    A libpq `host=` query parameter counts as a host; no host at all means a local Unix socket.
    """
    parts = urlsplit(dsn)
    password, hostlist = _netloc_parts(parts.netloc)
    hosts = [_host_of_hostport(hp) for hp in hostlist.split(",") if hp.strip()]
    query = parse_qsl(parts.query, keep_blank_values=True)
    hosts += [value for key, value in query if key.lower() == "host"]
    passwords = [password] if password else []
    passwords += [value for key, value in query if key.lower() in _PASSWORD_PARAMS and value]
    return ParsedDsn(parts.scheme, tuple(h for h in hosts if h), tuple(passwords))


def mask_dsn(dsn: str, marker: str) -> str:
    """The DSN with every password (userinfo or query parameter) replaced by `marker`."""
    if not parse_dsn(dsn).passwords:
        return dsn  # nothing to hide: the text stays byte for byte what was pinned
    parts = urlsplit(dsn)
    password, hostlist = _netloc_parts(parts.netloc)
    netloc = parts.netloc
    if password is not None:
        user = parts.netloc.rpartition("@")[0].partition(":")[0]
        netloc = f"{user}:{quote(marker, safe='*')}@{hostlist}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key.lower() in _PASSWORD_PARAMS for key, _ in pairs):
            masked = [(k, marker if k.lower() in _PASSWORD_PARAMS else v) for k, v in pairs]
            query = urlencode(masked, safe="*/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

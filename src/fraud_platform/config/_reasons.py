"""Reason codes owned by config: profile loading, pins, dev_min fail-closed rules, credentials."""

from fraud_platform.core.reasons import reason

PROFILE_UNKNOWN = reason("PROFILE_UNKNOWN", "no shipped profile has this name", owner="config")
PROFILE_INVALID = reason(
    "PROFILE_INVALID", "a profile has an unknown key, a bad type or a malformed pin", owner="config"
)
PROFILE_NONCONFORMANT = reason(
    "PROFILE_NONCONFORMANT", "the shipped profiles do not share one semantic key set", owner="config"
)
PIN_MISSING = reason("PIN_MISSING", "a required ${VAR} pin is not set", owner="config")
PIN_NOT_EXPLICIT = reason(
    "PIN_NOT_EXPLICIT",
    "a dev_min pin names a moving target (latest, current) or a wildcard (*, ?)",
    owner="config",
)
LOCAL_PINS_INVALID = reason(
    "LOCAL_PINS_INVALID", "FP_HOME/local_pins.json is not a flat JSON object of pins", owner="config"
)
DEV_MIN_LOCAL_ENDPOINT = reason(
    "DEV_MIN_LOCAL_ENDPOINT",
    "dev_min names a loopback, private, link-local or host-less endpoint",
    owner="config",
)
DEV_MIN_LOCAL_PATH = reason(
    "DEV_MIN_LOCAL_PATH",
    "dev_min names a file:// URI or local path (Oracle roots must be s3://)",
    owner="config",
)
DEV_MIN_SQLITE_REFUSED = reason(
    "DEV_MIN_SQLITE_REFUSED", "dev_min refuses a SQLite state store", owner="config"
)
DEV_MIN_PLAINTEXT_KAFKA = reason(
    "DEV_MIN_PLAINTEXT_KAFKA", "dev_min Kafka must be SASL_SSL with the PLAIN mechanism", owner="config"
)
REHEARSAL_CANNOT_PASS = reason(
    "REHEARSAL_CANNOT_PASS", "a dev_min rehearsal on local substrates can never report PASS", owner="config"
)
REHEARSAL_NOT_APPLICABLE = reason(
    "REHEARSAL_NOT_APPLICABLE", "rehearsal was requested for a profile other than dev_min", owner="config"
)
SECRET_TOO_SHORT = reason(
    "SECRET_TOO_SHORT",
    "a secret is shorter than 6 characters and could not be redacted safely",
    owner="config",
)
ROLE_UNKNOWN = reason("ROLE_UNKNOWN", "no platform role has this name", owner="config")
CREDENTIALS_MISSING = reason(
    "CREDENTIALS_MISSING", "the role's credentials have not been issued yet", owner="config"
)
CREDENTIALS_INVALID = reason(
    "CREDENTIALS_INVALID", "FP_HOME/credentials/roles.json is malformed", owner="config"
)

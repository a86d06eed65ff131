"""Profiles and their pins: one typed schema, two shipped profiles, fail-closed loading.

Public API (see docs/profiles.md):

- :func:`load_profile` → :class:`Profile`, every `${VAR}` pin resolved or `PIN_MISSING`;
- :func:`role_credentials` / :func:`kafka_settings`: a role's S3 key pair and Kafka settings, as
  config's own :class:`S3Credentials` / :class:`KafkaSettings` (the adapters take them; config imports
  nothing from substrate);
- :func:`config_digest` / :func:`redacted_view`: the secret-free face of a profile;
- :func:`run_flags` / :func:`assert_not_rehearsal_pass`: the dev_min rehearsal rules;
- :func:`check_shipped_conformance` / :func:`compare_key_sets`: same keys in every profile;
- :func:`fp_home`: where local files live (FP_HOME).

This package and `core.time` are the only readers of the environment.
"""

from fraud_platform.config.conformance import (
    ConformanceReport,
    check_shipped_conformance,
    compare_documents,
    compare_key_sets,
    semantic_keys,
)
from fraud_platform.config.credentials import ROLES, check_role, kafka_settings, role_credentials
from fraud_platform.config.home import fp_home
from fraud_platform.config.loader import (
    DEV_MIN,
    LOCAL_PARITY,
    PinStatus,
    describe_pins,
    load_profile,
    profile_from_document,
)
from fraud_platform.config.rehearsal import REHEARSAL_ENV, assert_not_rehearsal_pass, run_flags
from fraud_platform.config.schema import Profile
from fraud_platform.config.settings import KafkaSettings, S3Credentials
from fraud_platform.config.shipped import profile_names
from fraud_platform.config.view import config_digest, redacted_view

__all__ = [
    "DEV_MIN",
    "LOCAL_PARITY",
    "REHEARSAL_ENV",
    "ROLES",
    "ConformanceReport",
    "KafkaSettings",
    "PinStatus",
    "Profile",
    "S3Credentials",
    "assert_not_rehearsal_pass",
    "check_role",
    "check_shipped_conformance",
    "compare_documents",
    "compare_key_sets",
    "config_digest",
    "describe_pins",
    "fp_home",
    "kafka_settings",
    "load_profile",
    "profile_from_document",
    "profile_names",
    "redacted_view",
    "role_credentials",
    "run_flags",
    "semantic_keys",
]

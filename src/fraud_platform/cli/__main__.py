"""`python -m fraud_platform.cli` runs the `fp` command line (for environments without the script)."""

from fraud_platform.cli.app import main

main()

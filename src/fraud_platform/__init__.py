"""fraud_platform: the control-and-ingress spine of a closed-world fraud platform."""

__version__ = "0.1.0"
__all__ = ["__version__"]

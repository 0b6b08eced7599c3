"""zgw-gateway: ZGW notifications in, Notify NL messages, portal messages and processes out."""

__version__ = "0.1.0"

"""OpenPCN: the operating picture and toolset of the Primary Care Networks in an ICS."""

__version__ = "0.1.0"

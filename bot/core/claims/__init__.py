"""Argument maps: the claim tree, its layout, the service, its cards and exports."""

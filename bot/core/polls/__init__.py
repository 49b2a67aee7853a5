"""Polls: the model, the counting (single, multi, ranked IRV), the service, its cards and exports."""

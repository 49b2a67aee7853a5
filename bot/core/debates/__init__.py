"""Debates: the model, the engine of phases and votes, the service, its cards and exports."""

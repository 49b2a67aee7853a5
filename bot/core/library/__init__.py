"""The motion and format library and where the shipped prompts live."""

"""The shared kernel: requests and commands, cards, buttons, errors, catalogs, voter keys, the writer, the tally coalescer, the pipeline."""

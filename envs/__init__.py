"""Environment families: architecture search, gate compilation, weight reduction."""

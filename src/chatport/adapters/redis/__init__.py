"""Redis adapters: state shared by every server process."""

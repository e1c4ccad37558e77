"""Terminal views (rich). Only the command line imports these."""

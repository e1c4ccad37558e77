"""Terminal rendering (rich) for the command line; the library never imports it."""

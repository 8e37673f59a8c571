"""What Robot Framework loads by name rather than as a keyword library: the variable file of the run's tenants, the
pre-rebot modifier that judges a merge, and the one command line that starts the suite (robot.args)."""

"""The `fp` command line: thin commands (parse, call, render), one module per command group."""

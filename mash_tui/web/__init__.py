"""The desk in a browser: textual-serve running one `mash` app process per tab."""

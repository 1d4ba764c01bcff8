"""One module per outside system radar reads from."""

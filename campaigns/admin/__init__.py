"""The campaigns back office: one module per play, imported here so Django registers them."""

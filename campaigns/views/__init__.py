"""H5 pages of the campaigns."""

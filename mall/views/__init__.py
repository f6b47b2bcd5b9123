"""H5 pages, and the endpoints WeChat Pay calls."""

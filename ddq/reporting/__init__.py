"""Reports: scorecards into plain data, HTML and PDF."""

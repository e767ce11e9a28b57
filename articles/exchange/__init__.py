"""Articles in and out of the newsroom: plain-text documents shaped like the provided one
(``documents``), IPTC ninjs 1.8 (``ninjs``), what an import says about an article and the checks
every format shares (``data``), and reading a file of either kind (``reading``)."""

"""The performance benchmark (issue 6): ``make bench``. Not a test; never run by CI."""

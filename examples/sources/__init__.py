"""Example data sources: files, sql and rest_api."""

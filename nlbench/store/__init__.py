"""The result store: raw result files (importer, writer) and run manifests."""

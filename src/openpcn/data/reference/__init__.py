"""Organisation tables derived from the published NHS files; see PROVENANCE.md."""

"""What the graph says about itself, for export and serve alike: the VoID/DCAT description of
the dataset and the JSON-LD `@context` (between the store and its two publishers)."""

"""Model servers. Only ``kimitui.providers.moonshot`` imports the ``openai`` SDK."""

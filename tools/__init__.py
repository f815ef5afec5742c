"""Development tools (evaluators, data validation, content listing), outside the runtime package."""

"""The development stack behind ``script/develop``: a Home Assistant configuration template, the
demo house that feeds it live sensors, and the orchestration that starts everything."""

"""The Home Assistant side of language: utterance intent, household choice, LLM tools, sentences."""

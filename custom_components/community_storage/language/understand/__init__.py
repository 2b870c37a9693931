"""Reading a spoken request: tokens, one lexicon, numbers, amounts, dates, cues, understanding."""

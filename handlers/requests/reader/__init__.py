"""Reading what people type: urgency words, dates, numbers and word forms, in uk, de and en.

Each module finds one kind of thing in free text and reports where it found it, so the caller
can take it out of the text and never read the same words twice. Nothing here guesses: a piece
that could mean two things is reported as a problem for the caller to ask about.
"""

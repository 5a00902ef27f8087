"""Answer stage: candidate sentences become quotes, with what they are worth.

quotes.py       the best sentences, or short runs of them, as quotes (near-duplicates merged)
confidence.py   an answer, related passages, or nothing on the topic
citations.py    where a quote's link points (the recording at the quoted second)
"""

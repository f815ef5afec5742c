"""Safety net: red flags, requests for personal advice, unreadable input, fallback, disclaimer, emergency flags, rate limit."""

"""The contraindication pre-check: outcome rules, the clinical reader of free-text answers, one dialogue turn, the summary, the store."""

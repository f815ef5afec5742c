"""The clinic's practical facts (address, phone, opening hours ...) from ``clinic.yml``.

``facts`` loads and checks the file (every field optional, a clear error for a malformed
one); ``answers`` decides which responses answer a visitor's question about them. A fact
the clinic has not configured is answered honestly as unknown, never made up.
"""

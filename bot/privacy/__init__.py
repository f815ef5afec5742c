"""The patient's data: privacy notice, erasure and consent withdrawal, retention, masking in logs."""

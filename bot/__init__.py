"""Domain logic of the RA patient-education assistant, free of Rasa server code."""

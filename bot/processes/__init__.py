"""The assistant's processes: starting, supervising and stopping the servers (make run, make shell)."""

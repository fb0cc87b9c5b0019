"""Authentication: password hashing, API tokens, login sessions, request dependencies."""

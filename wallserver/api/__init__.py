"""HTTP and WebSocket routers. Each is thin: validate, call the domain, shape the response."""

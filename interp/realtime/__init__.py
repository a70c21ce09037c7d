"""Real-time transport: the hub that fans messages out, and the WebSocket protocol."""

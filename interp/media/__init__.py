"""Server-side WebRTC: receiving a speaker's microphone for captions (never recorded)."""

"""Live captions in rooms: each speaker's audio → the caption engine → translation → listeners."""

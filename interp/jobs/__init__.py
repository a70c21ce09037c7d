"""Background jobs: captioning uploaded recordings (docs/captions.md, "Recordings")."""

from interp.jobs.uploads import NotMedia, Uploads, probe_media
from interp.jobs.worker import CaptionWorker

__all__ = ["CaptionWorker", "NotMedia", "Uploads", "probe_media"]

"""Live streams to browsers: the wall hub (seq-ordered, resumable) and the moderation feed."""

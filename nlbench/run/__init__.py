"""Running trackers and grounders: planning and resume, executors, frame prefetch, sentence files, the grounding loop."""

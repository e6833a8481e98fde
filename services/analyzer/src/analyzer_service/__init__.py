"""FitCoach analyzer: consumes UploadCompleted events, analyzes FIT files, serves ActivityService."""

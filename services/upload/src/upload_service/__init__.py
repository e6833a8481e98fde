"""UploadService: presigned uploads into R2/S3, verification on complete, and the UploadCompleted outbox."""

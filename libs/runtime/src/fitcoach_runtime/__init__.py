"""Plumbing shared by every FitCoach service: settings, logging, gRPC bootstrap, auth, db/nats/s3 helpers.

Nothing here knows about activities or metrics: domain code lives in the services and in fitcoach_analysis.
"""

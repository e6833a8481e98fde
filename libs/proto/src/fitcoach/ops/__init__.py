"""Generated from protos/ by scripts/gen_proto.py; do not edit."""

"""`make bench`: blogapp measured against a bare Flask app under the same server."""

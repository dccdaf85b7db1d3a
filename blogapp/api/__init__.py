"""The JSON API under /api/v1 (routes in blogapp.api.routes; the OpenAPI document in
blogapp/api/openapi.json)."""

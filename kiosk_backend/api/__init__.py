"""HTTP routers of the `/v1` API."""

"""Cloudflare Images: ingest, options, format negotiation and the transform pipeline.

Pure and CPU-only modules live here next to the (database-backed) service; nothing in this
package builds HTTP responses.
"""

"""Zones and DNS records: names, per-type record rules, filters and BIND files; no HTTP here."""

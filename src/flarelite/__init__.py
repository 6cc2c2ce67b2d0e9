"""flarelite: self-hosted Cloudflare-v4-compatible API tokens, Images and DNS."""

__version__ = "0.1.0"

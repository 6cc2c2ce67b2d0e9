"""Delivery edge: ``/cdn-cgi/imagedelivery/...`` as a raw ASGI app over images.delivery."""

"""Moving Images data in and out: copy images, named variants and the config between sources
(a v4 API, an export folder, this flarelite) and sinks (this flarelite, an export folder).

``copy.copy_account`` is the one engine; the modules beside it adapt each end. No HTTP
server code and no CLI here: ``cli/images.py`` is the typer edge over this package.
"""

"""Images: the gallery (thumbnails through the delivery route), upload, details, delete,
variants, "Developer Resources" and the "Use API" panel with its live cURL command."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from flarelite.core.errors import FlareliteError, Invalid
from flarelite.images.service import UploadInput
from flarelite.web.context import Dash, redirect

GALLERY_PAGE = 100
MAX_FORM_UPLOAD = 10 * 1024 * 1024  # Images' own limit for one file (reference images.md)


def curl_command(public_url: str, account_id: str, token: str, file_name: str) -> str:
    """Exactly the text the seed shows; ``dash.js`` builds the same string as you type."""
    return (
        f'curl -X POST -F file=@./{file_name} -H "Authorization: Bearer {token}" '
        f"{public_url}/client/v4/accounts/{account_id}/images/v1"
    )


async def _gallery(
    dash: Dash,
    *,
    status: int = 200,
    error: str | None = None,
    token: str = "",
    file_name: str = "",
    panel: bool = False,
) -> Response:
    account = dash.account(dash.request.path_params["account_id"])
    images = await dash.services.images.list_page(account.id, 1, GALLERY_PAGE)
    images.sort(key=lambda image: image.uploaded, reverse=True)
    current, allowed = await dash.services.images.stats(account.id)
    public_url = dash.services.settings.public_url
    return dash.render(
        "images/gallery.html",
        status=status,
        account=account,
        images=images,
        current=current,
        allowed=allowed,
        error=error,
        delivery_template=f"{public_url}/cdn-cgi/imagedelivery/{account.account_hash}/<image_id>/<variant_name>",
        public_url=public_url,
        token=token,
        file_name=file_name,
        curl=curl_command(
            public_url, account.id, token or "<API_TOKEN>", file_name or "<FILE_NAME>"
        ),
        panel_open=panel or dash.request.query_params.get("panel") == "use-api",
    )


async def gallery(dash: Dash) -> Response:
    return await _gallery(dash)


async def use_api(dash: Dash) -> Response:
    """The no-JavaScript way to fill the cURL box: post the two fields, get the page back."""
    # No secret is stored or logged; the response carries it back once, not cached.
    dash.no_store = True
    return await _gallery(
        dash,
        token=dash.field("api_token").strip(),
        file_name=dash.field("file_name").strip(),
        panel=True,
    )


async def upload(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"], write=True)
    file = dash.form.get("file") if dash.form is not None else None
    if not isinstance(file, UploadFile) or not file.filename:
        return await _gallery(dash, status=400, error="Choose an image file to upload.")
    data = await file.read(MAX_FORM_UPLOAD + 1)
    try:
        if len(data) > MAX_FORM_UPLOAD:
            raise Invalid(detail="The file is larger than 10 MB.")
        image = await dash.services.images.upload(
            UploadInput(account.id, data=data, filename=file.filename)
        )
    except FlareliteError as exc:
        return await _gallery(dash, status=exc.status, error=exc.message)
    return redirect(f"/accounts/{account.id}/images/{image.id}")


async def details(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"])
    image = await dash.services.images.get(account.id, dash.request.path_params["image_id"])
    return dash.render("images/details.html", account=account, image=image)


async def delete(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"], write=True)
    image_id = dash.request.path_params["image_id"]
    await dash.services.images.delete(account.id, image_id, actor=dash.actor)
    return redirect(f"/accounts/{account.id}/images")


async def variants(dash: Dash, *, error: str | None = None, status: int = 200) -> Response:
    account = dash.account(dash.request.path_params["account_id"])
    found = await dash.services.image_variants.list(account.id)
    return dash.render(
        "images/variants.html", account=account, variants=found, error=error, status=status
    )


async def create_variant(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"], write=True)
    options: dict[str, object] = {"fit": dash.field("fit", "scale-down"), "metadata": "none"}
    try:
        for name in ("width", "height"):
            text = dash.field(name).strip()
            if text:
                if not text.isdigit():
                    raise Invalid(detail=f"{name.title()} must be a whole number of pixels.")
                options[name] = int(text)
        await dash.services.image_variants.create(
            account.id,
            dash.field("name").strip(),
            options,
            dash.field("public") == "on",
            actor=dash.actor,
        )
    except FlareliteError as exc:
        return await variants(dash, error=exc.message, status=exc.status)
    return redirect(f"/accounts/{account.id}/images/variants")


async def delete_variant(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"], write=True)
    name = dash.request.path_params["name"]
    await dash.services.image_variants.delete(account.id, name, actor=dash.actor)
    return redirect(f"/accounts/{account.id}/images/variants")

"""A project imported through the pages, as a person does: upload, preview, import."""

import html
import io
import re


def preview_form(page: str) -> dict:
    """The preview's form as the page shows it: the digest and every choice."""
    form = {"digest": re.search(r'name="digest" type="hidden" value="([0-9a-f]+)"', page)[1]}
    for index, value in re.findall(r'name="code_(\d+)">.*?<option selected value="(\w+)"',
                                   page, flags=re.S):  # fmt: skip
        form[f"code_{index}"] = value
    for index, value in re.findall(r'name="into_(\d+)" [^>]*value="([^"]*)"', page):
        form[f"into_{index}"] = html.unescape(value)
    return form


def import_through_pages(client, data: bytes, name: str = "project.qdpx"):
    """Upload ``data``, import it with the preview's suggestions; the response of the
    upload, the preview page's text and the report page's response (None where it stopped)."""
    upload = client.post("/coding/import", data={"file": (io.BytesIO(data), name)})
    if upload.status_code != 302 or "/coding/import/" not in upload.headers["Location"]:
        return upload, None, None
    preview_url = upload.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    done = client.post(f"{preview_url}/apply", data=preview_form(page), follow_redirects=True)
    return upload, page, done

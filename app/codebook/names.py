"""A code's name or path for a page, marked with the language it is shown in where that is
not the page's (WCAG 3.1.2): a code without a name in the reader's language is shown in a
stand-in language (``Code.shown``), and a screen reader should read it in that one."""

from markupsafe import Markup, escape

from app.codebook.models import Code, current_language


def _marked(text: str, language: str | None, page: str) -> Markup:
    if language and language != page:
        return Markup('<span lang="{}">{}</span>').format(language, text)
    return escape(text)


def code_name(code: Code) -> Markup:
    """The code's name, in a ``<span lang>`` where it is in another language than the page."""
    page = current_language()
    return _marked(*code.shown("name", page), page)


def code_path(code: Code) -> Markup:
    """The code with its categories ("Belonging › Adults who persist"), each name marked
    with its language where that is not the page's."""
    page, names, current = current_language(), [], code
    while current is not None and len(names) < 20:  # as ``Code.path_in``
        names.append(_marked(*current.shown("name", page), page))
        current = current.parent
    return Markup(" › ").join(reversed(names))

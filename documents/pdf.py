"""PDFs rendered by WeasyPrint from a document's HTML.

WeasyPrint 70 loads the system's Pango, HarfBuzz and fontconfig when it is
imported, so the import waits until the first PDF. It embeds a subset of
each font it uses; the fonts come from `documents.fonts`.
"""


from .fonts import require_available, resolve_fonts


def render_pdf(document):
    """Return the PDF bytes of a GeneratedDocument; raise FontError when no Chinese font is installed."""
    require_available(resolve_fonts())

    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # The @font-face rules of DOCUMENTS_FONT_DIR sit in the document's own
    # <style>, and WeasyPrint loads them only through a FontConfiguration.
    font_config = FontConfiguration()
    return HTML(string=document.html).write_pdf(font_config=font_config)

"""The generated documents that go into a review's archive."""

import logging

from .content import element_table_document, notice_document, opinion_document
from .fonts import FontError
from .pdf import render_pdf
from .word import build_docx

logger = logging.getLogger(__name__)


def archive_documents(case):
    """Return (file name, bytes) for every document of `case`: each notice, the opinion letter, each round's element table.

    Each document is archived as .docx and, when a Chinese font is
    installed, as PDF.
    """
    documents = [notice_document(notice) for notice in case.notices.order_by("sent_at", "id")]
    opinion = getattr(case, "opinion", None)
    if opinion is not None:
        documents.append(opinion_document(opinion))
    for submission in case.submissions.order_by("number"):
        documents.append(element_table_document(case.policy, submission))

    files = []
    for document in documents:
        files.append(("%s.docx" % document.file_stem, build_docx(document)))
        try:
            files.append(("%s.pdf" % document.file_stem, render_pdf(document)))
        except FontError:
            logger.warning("archive case=%s: no Chinese font installed, %s archived without PDF", case.pk, document.file_stem)
    return files

from celery import shared_task

from .export import run_export


@shared_task(name="documents.export_ledger", acks_late=True)
def export_ledger(record_id):
    """Write the file of a ledger export in the background; run_export stores the outcome on the record."""
    run_export(record_id)

from django.core.management.base import BaseCommand

from review import demo


class Command(BaseCommand):
    help = "Load the demo organizations, users and sample policies; existing rows are kept."

    def handle(self, *args, **options):
        demo.load(stdout=self.stdout)

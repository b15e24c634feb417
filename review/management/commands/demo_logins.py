from django.core.management.base import BaseCommand

from accounts.models import User
from review import demo


class Command(BaseCommand):
    help = "Print the demo user names with their roles and the shared demo password."

    def handle(self, *args, **options):
        self.stdout.write("")
        self.stdout.write("PolicyHub demo: http://127.0.0.1:8000  (password for every demo user: %s)" % demo.DEMO_PASSWORD)
        for username, _role, _org, _name in demo.FEATURED_USERS:
            person = User.objects.filter(username=username).select_related("organization").first()
            if person is None:
                continue
            org = person.organization.name if person.organization else "-"
            self.stdout.write("  %-18s %-8s %s · %s" % (username, person.display_name, person.get_role_display(), org))
        self.stdout.write("")

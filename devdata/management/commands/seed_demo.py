"""Load the synthetic demo: agencies, one sign-in per role, four families. Safe to run twice."""

from django.core.management.base import BaseCommand

from devdata import demo


class Command(BaseCommand):
    help = "Create the demo data and print one sign-in per role (all data is synthetic)."

    def handle(self, *args, **options):
        password, new = demo.demo_password()
        sign_ins = demo.seed(password=password)
        self.stdout.write(self.style.SUCCESS("Demo data ready (synthetic: no real people)."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/sign-in/ as:")
        for username, who in sign_ins.items():
            self.stdout.write(f"  {username:<14} {who}")
        source = "newly made" if new else "as before"
        self.stdout.write(f"Password for every demo sign-in ({source}): {password}")

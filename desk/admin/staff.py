"""Django's own user and group admins, behind the desk's guard (``guards.py``) like the rest:
a 100 kB search in the user list was "LIKE pattern too complex" on SQLite, a 500.

Importing ``django.contrib.auth.admin`` first registers its admins (the desk's app is listed
before auth's, so autodiscovery would reach it later); they are then registered again with the
guard mixed in, everything else as Django has it. The axes admin (sign-in attempts) is left as
django-axes ships it: read-only lists with no free-text filter values.
"""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User

from .guards import GuardedAdminMixin

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(GuardedAdminMixin, auth_admin.UserAdmin):
    pass


@admin.register(Group)
class GroupAdmin(GuardedAdminMixin, auth_admin.GroupAdmin):
    pass

from django.contrib.admin.apps import AdminConfig


class NewsroomAdminConfig(AdminConfig):
    """Django's admin, with our site class (sign-in throttling) as the default site."""

    default_site = "newsroom.security.ThrottledLoginAdminSite"

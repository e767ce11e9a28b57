from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from .health import health

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", health, name="health"),
    path("", include("reader.urls")),
]

if settings.DEBUG:
    # In production the web server or object storage serves uploads.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

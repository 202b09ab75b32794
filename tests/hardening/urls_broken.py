"""The product's URLs plus one view that needs the database, for the 500-without-database test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from obligations.models import Task
from tracker.urls import urlpatterns as product_urls


def needs_database(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(Task.objects.count()))


urlpatterns = [path("needs-database/", needs_database), *product_urls]

handler400 = "obligations.views.error_pages.bad_request"
handler403 = "obligations.views.error_pages.permission_denied"
handler404 = "obligations.views.error_pages.page_not_found"
handler500 = "obligations.views.error_pages.server_error"

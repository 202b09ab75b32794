from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from obligations.security.login_forms import LoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(success_url="/"),
        name="password_change",
    ),
    path("", include("obligations.urls")),
]

handler400 = "obligations.views.error_pages.bad_request"
handler403 = "obligations.views.error_pages.permission_denied"
handler404 = "obligations.views.error_pages.page_not_found"
handler500 = "obligations.views.error_pages.server_error"

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from obligations.login_forms import LoginForm

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

handler400 = "obligations.views.errors.bad_request"
handler403 = "obligations.views.errors.permission_denied"
handler404 = "obligations.views.errors.page_not_found"
handler500 = "obligations.views.errors.server_error"

from django.urls import path

from .views import home, notifications, reminder_policy, tasks

urlpatterns = [
    path("", home.home, name="home"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path("settings/reminders/", reminder_policy.reminder_policy, name="reminder_policy"),
]

from django.urls import path

from .views import home, tasks

urlpatterns = [
    path("", home.home, name="home"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
]

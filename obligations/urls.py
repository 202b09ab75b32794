from django.urls import path

from .views import home, ledgers, tasks

urlpatterns = [
    path("", home.home, name="home"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("ledgers/", ledgers.ledger_index, name="ledger_index"),
    path("ledgers/<int:pk>/download/", ledgers.ledger_download, name="ledger_download"),
]

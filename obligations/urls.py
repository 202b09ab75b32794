from django.urls import path

from .views import actions, dashboard, files, home, imports, reviews, tasks

urlpatterns = [
    path("", home.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/report/", actions.report_progress, name="task_report"),
    path("tasks/<int:pk>/complete/", actions.submit_completion, name="task_complete"),
    path("tasks/<int:pk>/extend/", actions.request_extension, name="task_extend"),
    path("tasks/<int:pk>/edit/", actions.edit_task, name="task_edit"),
    path("tasks/<int:pk>/remind/", actions.remind_task, name="task_remind"),
    path("units/<int:pk>/remind/", actions.remind_unit_overdue, name="unit_remind"),
    path("completions/<int:pk>/decide/", actions.decide_completion, name="completion_decide"),
    path("extensions/<int:pk>/decide/", actions.decide_extension, name="extension_decide"),
    path("reviews/", reviews.review_queue, name="review_queue"),
    path("evidence/<int:pk>/", files.evidence_download, name="evidence_download"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:pk>/", imports.import_review, name="import_review"),
    path("imports/<int:pk>/file/", files.source_download, name="source_download"),
    path("imports/<int:pk>/rows/", imports.review_rows, name="review_rows"),
    path("imports/<int:pk>/discard/", imports.import_discard, name="import_discard"),
    path("imports/<int:pk>/units/confirm-all/", imports.units_confirm_all, name="units_confirm_all"),
    path("imports/rows/<int:pk>/save/", imports.review_row_save, name="review_row_save"),
    path("imports/rows/<int:pk>/split/", imports.review_split, name="review_split"),
    path("imports/units/<int:pk>/map/", imports.unit_map, name="unit_map"),
    path("imports/units/<int:pk>/confirm/", imports.unit_confirm, name="unit_confirm"),
    path("plans/<int:pk>/publish/", imports.plan_publish, name="plan_publish"),
]

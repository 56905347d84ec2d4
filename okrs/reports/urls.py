from django.urls import path, re_path

from okrs.reports.views import report_download, report_page, reports_index

urlpatterns: list = [
    path("reports/", reports_index, name="reports"),
    re_path(
        r"^reports/(?P<cycle>[^/]+)\.(?P<fmt>md|html|json)$",
        report_download,
        name="report_download",
    ),
    path("reports/<str:cycle>/", report_page, name="report"),
]

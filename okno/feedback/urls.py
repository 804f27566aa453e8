"""Feedback addresses, mounted under each language prefix."""

from okno.feedback.views import complaints, pains, rating, staff, staff_complaints

app_name = "feedback"

urlpatterns = [
    *rating.urlpatterns,
    *complaints.urlpatterns,
    *pains.urlpatterns,
    *staff.urlpatterns,
    *staff_complaints.urlpatterns,
]

"""Feedback addresses, mounted under each language prefix."""

from okno.feedback.views import complaints, pains, rating, staff

app_name = "feedback"

urlpatterns = [
    *rating.urlpatterns,
    *complaints.urlpatterns,
    *pains.urlpatterns,
    *staff.urlpatterns,
]

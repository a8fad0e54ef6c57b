"""The Inspektorat's workspace under /audit/."""

app_name = "audit"

urlpatterns: list = []

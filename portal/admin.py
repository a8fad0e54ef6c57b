"""Admin: the e-mail sent-log (to see failed sends) and followers, read-only."""

from django.contrib import admin

from portal.notifications import Follower, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["transition_log", "recipient", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["transition_log__proposal"]


@admin.register(Follower)
class FollowerAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "created_at", "confirmed_at"]
    list_select_related = ["proposal"]
    # The address is the follower's own: the list does not show it.
    exclude = ["email"]

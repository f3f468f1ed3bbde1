"""Events and event series."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Event
from events.services import registration_refusal

from .common import ChapterRefSerializer, KindSerializer, SpaceRefSerializer


class EventSerializer(serializers.Serializer):
    """An event as the list shows it, with its seats: `seats_left` is null when the event
    has no capacity; `waitlist_open` says that registering now would join the waitlist."""

    slug = serializers.CharField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    kind = KindSerializer()
    status = serializers.ChoiceField(choices=Event.Status.choices)
    visibility = serializers.ChoiceField(choices=Event.Visibility.choices)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    space = SpaceRefSerializer(allow_null=True)
    chapter = ChapterRefSerializer(allow_null=True)
    room = serializers.CharField()
    capacity = serializers.IntegerField(allow_null=True)
    confirmed = serializers.IntegerField(source="confirmed_count")
    waitlisted = serializers.IntegerField(source="waitlisted_count")
    seats_left = serializers.SerializerMethodField()
    registration_open = serializers.SerializerMethodField()
    waitlist_open = serializers.SerializerMethodField()
    series_id = serializers.IntegerField(allow_null=True)

    def get_url(self, event) -> str:
        return self.context["request"].build_absolute_uri(event.get_absolute_url())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_seats_left(self, event) -> int | None:
        if event.capacity is None:
            return None
        return max(event.capacity - event.confirmed_count, 0)

    def get_registration_open(self, event) -> bool:
        return registration_refusal(event=event, user=self.context["request"].user) is None

    def get_waitlist_open(self, event) -> bool:
        full = event.capacity is not None and event.confirmed_count >= event.capacity
        return full and self.get_registration_open(event)


class EventSeriesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = KindSerializer()
    rrule = serializers.CharField(help_text="RFC 5545 recurrence rule.")
    start_time = serializers.TimeField(help_text="Local wall-clock time in Brussels.")
    duration_minutes = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    space = SpaceRefSerializer(allow_null=True)
    chapter = ChapterRefSerializer(allow_null=True)
    capacity = serializers.IntegerField(allow_null=True)
    visibility = serializers.ChoiceField(choices=Event.Visibility.choices)
    active = serializers.BooleanField()

"""Small shapes several resources share: a reference to a kind, a space, a chapter."""

from __future__ import annotations

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error body (4xx): one message, and per-parameter messages for a 400."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class SpaceRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()


class ChapterRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class KindSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the language asked for (Accept-Language).")


class CompanyRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()

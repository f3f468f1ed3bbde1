"""/api/v1/dashboard/: the micro-economy in figures."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from collaborations.selectors import dashboard_data

from ..serializers.dashboard import DashboardSerializer, dashboard_dict
from .base import ApiView, error_responses


class DashboardView(ApiView):
    """The figures of the dashboard page, for the caller's audience (the public, or members):
    the same selector, the same cache, the same numbers."""

    serializer_class = DashboardSerializer

    @extend_schema(responses={200: DashboardSerializer, **error_responses()})
    def get(self, request):
        data = dashboard_data(user=request.user)
        return Response(dashboard_dict(data, absolute=request.build_absolute_uri))

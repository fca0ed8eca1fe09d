"""The views of the test project: Django's own permission decorators over the rolecall
backend, and rolecall's scoped decorator and mixin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import View

from rolecall.django.decorators import scope_permission_required
from rolecall.django.mixins import ScopePermissionRequiredMixin


@login_required
def me(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {
            "username": user.get_username(),
            "email": getattr(user, "email", ""),
            "permissions": sorted(user.get_all_permissions()),
            "control_and_view": user.has_perms(["campaigns.control", "campaigns.view"]),
        }
    )


@login_required
@permission_required("campaigns.view", raise_exception=True)
def campaigns(request: HttpRequest) -> HttpResponse:
    return HttpResponse("campaigns")


@login_required
@permission_required("campaigns.control", raise_exception=True)
def start_all(request: HttpRequest) -> HttpResponse:
    return HttpResponse("started")


@scope_permission_required("campaigns.control")
def start(request: HttpRequest, scope_id: int) -> JsonResponse:
    return JsonResponse({"scope": scope_id})


@scope_permission_required("campaigns.control")
async def pause(request: HttpRequest, scope_id: str) -> JsonResponse:
    return JsonResponse({"paused": scope_id})


class Report(ScopePermissionRequiredMixin, View):
    permission_required = "reports.view"

    def get(self, request: HttpRequest, scope_id: int) -> JsonResponse:
        return JsonResponse({"report": scope_id})

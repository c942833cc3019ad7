"""The names the old library's ``k8sio`` module re-exported (it defined nothing itself), plus
``EventClient`` and ``KubernetesNamespacedCustomClient``, which code imported from here too.

``utc`` is :data:`datetime.UTC` (the old module re-exported ``pytz.utc``, an equivalent
time zone for the uses it had).
"""

from __future__ import annotations

from datetime import UTC as utc
from datetime import datetime
from logging import Logger
from os import getenv
from uuid import uuid4

from kubernetes_asyncio import client
from kubernetes_asyncio.client import (
    ApiException,
    V1ObjectMeta,
    V1PersistentVolumeClaim,
    V1PersistentVolumeClaimList,
    V1PersistentVolumeClaimSpec,
    V1PersistentVolumeClaimVolumeSource,
    V1Pod,
    V1Volume,
    V1VolumeMount,
)
from pydantic import TypeAdapter

from .datasourcebindingclient import AnalyticsDataSourceBindingClient
from .datasourceclient import AnalyticsDataSourceClient
from .eventclient import EventClient
from .exceptions import InvalidLabelFormatException, InvalidParameterException
from .models import (
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsDataSourceBindingSpec,
    AnalyticsDataSourceBindingStatus,
    AnalyticsDataSourceSpec,
    AnalyticsDataSourceStatus,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingSpec,
    AnalyticsWorkspaceBindingStatus,
    AnalyticsWorkspaceSpec,
    AnalyticsWorkspaceStatus,
    KubernetesHelper,
)
from .namespacedclient import KubernetesNamespacedCustomClient
from .pvclient import PersistentVolumeClaimClient
from .workspacebindingclient import AnalyticsWorkspaceBindingClient
from .workspaceclient import AnalyticsWorkspaceClient

__all__ = [
    "AnalyticsDataSource",
    "AnalyticsDataSourceBinding",
    "AnalyticsDataSourceBindingClient",
    "AnalyticsDataSourceBindingSpec",
    "AnalyticsDataSourceBindingStatus",
    "AnalyticsDataSourceClient",
    "AnalyticsDataSourceSpec",
    "AnalyticsDataSourceStatus",
    "AnalyticsWorkspace",
    "AnalyticsWorkspaceBinding",
    "AnalyticsWorkspaceBindingClient",
    "AnalyticsWorkspaceBindingSpec",
    "AnalyticsWorkspaceBindingStatus",
    "AnalyticsWorkspaceClient",
    "AnalyticsWorkspaceSpec",
    "AnalyticsWorkspaceStatus",
    "ApiException",
    "EventClient",
    "InvalidLabelFormatException",
    "InvalidParameterException",
    "KubernetesHelper",
    "KubernetesNamespacedCustomClient",
    "Logger",
    "PersistentVolumeClaimClient",
    "TypeAdapter",
    "V1ObjectMeta",
    "V1PersistentVolumeClaim",
    "V1PersistentVolumeClaimList",
    "V1PersistentVolumeClaimSpec",
    "V1PersistentVolumeClaimVolumeSource",
    "V1Pod",
    "V1Volume",
    "V1VolumeMount",
    "client",
    "datetime",
    "getenv",
    "utc",
    "uuid4",
]

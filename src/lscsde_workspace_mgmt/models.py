"""The models of lscsde_workspace_mgmt, with the value types code written for it expects.

Dates are ISO strings (``"2025-01-06"``; ``approvalGiven`` an RFC 3339 date-time), every
field is optional, and the defaults are the old library's (``statusText`` "Waiting",
``metadata.namespace`` "default", ...). Fields can be set by their Python name or by their
schema (camelCase) name. The classes are generated from the CRDs by the compat profile of
``codegen``; the clients convert them to and from :mod:`lscsde_sdk.models`.
"""

from __future__ import annotations

from lscsde_sdk.labels import KubernetesHelper

from ._base import JupyterWorkspaceSpecNodeSelector, JupyterWorkspaceSpecResources
from ._generated.models import (
    AnalyticsApproval,
    AnalyticsCrate,
    AnalyticsCrateSpec,
    AnalyticsCrateSpecRepository,
    AnalyticsCrateStatus,
    AnalyticsDataSource,
    AnalyticsDataSourceBinding,
    AnalyticsDataSourceBindingSpec,
    AnalyticsDataSourceBindingStatus,
    AnalyticsDataSourceConnection,
    AnalyticsDataSourceConnectionString,
    AnalyticsDataSourceDataBricksConnection,
    AnalyticsDataSourceProject,
    AnalyticsDataSourcePublisher,
    AnalyticsDataSourcePublisherContact,
    AnalyticsDataSourceRoCrate,
    AnalyticsDataSourceRoCrateRepository,
    AnalyticsDataSourceSecret,
    AnalyticsDataSourceSecretWithKey,
    AnalyticsDataSourceSpec,
    AnalyticsDataSourceStatus,
    AnalyticsWorkspace,
    AnalyticsWorkspaceBinding,
    AnalyticsWorkspaceBindingClaim,
    AnalyticsWorkspaceBindingSpec,
    AnalyticsWorkspaceBindingStatus,
    AnalyticsWorkspaceSpec,
    AnalyticsWorkspaceStatus,
    AnalyticsWorkspaceValidity,
    JupyterWorkspacePersistentVolumeClaim,
    JupyterWorkspaceSpec,
    JupyterWorkspaceSpecToleration,
    JupyterWorkspaceStorage,
    KubernetesMetadata,
    VirtualMachineWorkspaceSpec,
)

__all__ = [
    "AnalyticsApproval",
    "AnalyticsCrate",
    "AnalyticsCrateSpec",
    "AnalyticsCrateSpecRepository",
    "AnalyticsCrateStatus",
    "AnalyticsDataSource",
    "AnalyticsDataSourceBinding",
    "AnalyticsDataSourceBindingSpec",
    "AnalyticsDataSourceBindingStatus",
    "AnalyticsDataSourceConnection",
    "AnalyticsDataSourceConnectionString",
    "AnalyticsDataSourceDataBricksConnection",
    "AnalyticsDataSourceProject",
    "AnalyticsDataSourcePublisher",
    "AnalyticsDataSourcePublisherContact",
    "AnalyticsDataSourceRoCrate",
    "AnalyticsDataSourceRoCrateRepository",
    "AnalyticsDataSourceSecret",
    "AnalyticsDataSourceSecretWithKey",
    "AnalyticsDataSourceSpec",
    "AnalyticsDataSourceStatus",
    "AnalyticsWorkspace",
    "AnalyticsWorkspaceBinding",
    "AnalyticsWorkspaceBindingClaim",
    "AnalyticsWorkspaceBindingSpec",
    "AnalyticsWorkspaceBindingStatus",
    "AnalyticsWorkspaceSpec",
    "AnalyticsWorkspaceStatus",
    "AnalyticsWorkspaceValidity",
    "JupyterWorkspacePersistentVolumeClaim",
    "JupyterWorkspaceSpec",
    "JupyterWorkspaceSpecNodeSelector",
    "JupyterWorkspaceSpecResources",
    "JupyterWorkspaceSpecToleration",
    "JupyterWorkspaceStorage",
    "KubernetesHelper",
    "KubernetesMetadata",
    "VirtualMachineWorkspaceSpec",
]

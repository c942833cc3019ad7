"""Which tested SDK call needs each permission of each role.

The keys of a consumer's table are exactly what its role grants (test_role_files checks that
without a server); the consumer's test in test_roles records the requests of each step and
checks that every step named here sent a request needing that permission, and that nothing
else was asked for. So no rule is dead, and none is missing.
"""

from __future__ import annotations

from .roles import GROUP, Permission

PVC = ""
EVENTS = "events.k8s.io"
CRDS = "apiextensions.k8s.io"

Uses = dict[Permission, tuple[str, ...]]


def _uses(group: str, resource: str, **verbs: tuple[str, ...] | str) -> Uses:
    return {
        Permission(group, resource, verb): steps if isinstance(steps, tuple) else (steps,)
        for verb, steps in verbs.items()
    }


#: What kopf itself asks for while it runs an operator (its watch, its annotations and
#: finalizers), proven by running kopf under the role (test_kopf_roles), not in-process.
KOPF = "kopf run"

INFORMERS = "permitted_profiles (informers)"
DIRECT = "permitted_profiles (direct)"
MOUNT = "mount_workspace"

JUPYTERHUB: Uses = {
    **_uses(GROUP, "analyticsworkspaces", get=(MOUNT, DIRECT), list=INFORMERS, watch=INFORMERS),
    **_uses(GROUP, "analyticsworkspaces/status", patch=MOUNT),
    **_uses(GROUP, "analyticsworkspacebindings", list=(INFORMERS, DIRECT), watch=INFORMERS),
    **_uses(PVC, "persistentvolumeclaims", get=MOUNT, create=MOUNT),
}

DATASOURCE_OPERATOR: Uses = {
    **_uses(
        GROUP,
        "analyticsdatasources",
        get=("update_status", "active_datasources"),
        list=("watch", KOPF),
        watch=("watch", KOPF),
        patch=KOPF,
    ),
    **_uses(GROUP, "analyticsdatasources/status", patch=("patch_status", "update_status")),
    **_uses(GROUP, "analyticsdatasourcebindings", list=("list_by_workspace", "active_datasources")),
    **_uses(EVENTS, "events", create="EventRecorder.emit"),
}

CRATE_OPERATOR: Uses = {
    **_uses(GROUP, "analyticscrates", list=("watch", KOPF), watch=("watch", KOPF), patch=KOPF),
    **_uses(GROUP, "analyticscrates/status", patch="patch_status"),
    **_uses(
        GROUP, "analyticsdatasources", get="get", create="create", update="replace", patch="apply"
    ),
    **_uses(EVENTS, "events", create=("create", "replace", "apply")),
}

WORKSPACE_BINDING_OPERATOR: Uses = {
    **_uses(
        GROUP,
        "analyticsworkspacebindings",
        list=("Informer", KOPF),
        watch=("Informer", KOPF),
        patch=KOPF,
    ),
    **_uses(GROUP, "analyticsworkspacebindings/status", patch="patch_status"),
    **_uses(
        GROUP,
        "analyticsworkspacebindings/scale",
        get="get scale",
        update="put scale",
        patch="patch scale",
    ),
    **_uses(EVENTS, "events", create="EventRecorder.emit"),
}

LIFECYCLE: Uses = {
    **_uses(GROUP, "analyticsworkspaces", get=KOPF, list=KOPF, watch=KOPF, patch=KOPF),
    **_uses(GROUP, "analyticsworkspaces/status", patch=KOPF),
    **_uses(GROUP, "analyticsworkspacebindings", get=KOPF, list=KOPF, watch=KOPF, patch=KOPF),
    **_uses(GROUP, "analyticsworkspacebindings/status", patch=KOPF),
    **_uses(EVENTS, "events", create=KOPF),
}

ADMIN_KINDS = (
    "analyticsworkspaces",
    "analyticsworkspacebindings",
    "analyticsdatasources",
    "analyticsdatasourcebindings",
    "analyticscrates",
)
#: The kinds whose objects carry lookup labels (relabel lists and patches them).
LABELLED_KINDS = ADMIN_KINDS[:4]
ADMIN_PORTAL: Uses = {
    **{
        permission: steps
        for plural in ADMIN_KINDS
        for permission, steps in _uses(
            GROUP,
            plural,
            get=("get", "update_status"),
            list=("list", "relabel") if plural in LABELLED_KINDS else "list",
            watch="watch",
            create="create",
            update="replace",
            patch=("merge_patch", "apply", *(["relabel"] if plural in LABELLED_KINDS else [])),
            delete="delete",
        ).items()
    },
    **{
        permission: steps
        for plural in ADMIN_KINDS
        for permission, steps in _uses(
            GROUP,
            f"{plural}/status",
            update="replace_status",
            patch=("patch_status", "update_status", "delete"),
        ).items()
    },
    **_uses(EVENTS, "events", create=("create", "replace", "apply", "delete")),
}

ADMIN_PORTAL_CRD_READER: Uses = _uses(CRDS, "customresourcedefinitions", get="crd_drift")

USES: dict[str, Uses] = {
    "jupyterhub": JUPYTERHUB,
    "datasource-operator": DATASOURCE_OPERATOR,
    "crate-operator": CRATE_OPERATOR,
    "workspace-binding-operator": WORKSPACE_BINDING_OPERATOR,
    "lifecycle": LIFECYCLE,
    "admin-portal": ADMIN_PORTAL,
    "admin-portal-crd-reader": ADMIN_PORTAL_CRD_READER,
}

"""Self-checks shipped with the package, as the old library shipped its own tests.

Each module is a ``unittest`` suite of the library's pure logic (no cluster needed); run them
all with ``python -m lscsde_workspace_mgmt.test``. ``python -m
lscsde_workspace_mgmt.integrationtest`` exercises the clients against a cluster.
"""

MODULES = (
    "lscsde_workspace_mgmt.tests.k8shelper",
    "lscsde_workspace_mgmt.tests.workspaces",
    "lscsde_workspace_mgmt.tests.workspacebindings",
    "lscsde_workspace_mgmt.tests.datasources",
    "lscsde_workspace_mgmt.tests.datasourcesbindings",
)

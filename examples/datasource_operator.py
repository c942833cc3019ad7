"""A data-source operator: kopf run --standalone --namespace jupyterhub datasource_operator.py"""

from lscsde_sdk.errors import InvalidParameterError
from lscsde_sdk.models import AnalyticsDataSource, AnalyticsDataSourceStatus
from lscsde_sdk.operator import Context, Operator

operator = Operator("xlscsde.nhs.uk/datasource-operator")
DataSourceContext = Context[AnalyticsDataSource, AnalyticsDataSourceStatus]


@operator.datasources.on_create()
@operator.datasources.on_resume()
@operator.datasources.on_update(field="spec")
async def check(source: AnalyticsDataSource, ctx: DataSourceContext) -> None:
    current = await ctx.client.get(source.namespace or "", source.name)  # the shared client
    connections = current.spec.connections if current.spec else None
    if not connections:
        raise InvalidParameterError(f"{source.name}: spec.connections is empty")
    ctx.status.status_text = f"Ready: {len(connections)} connection(s)"
    if ctx.status_changes():  # written with kopf's own patch after the handler, if changed
        await ctx.record("DataSourceChecked", f"{source.name}: {ctx.status.status_text}")

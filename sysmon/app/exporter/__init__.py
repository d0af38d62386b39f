"""The Prometheus endpoint: node_exporter's names over sysmon's readings (docs/prometheus.md).

Nothing here is imported unless an endpoint is configured (``sysmon exporter`` or
``--metrics-listen``): ``collectors`` needs the optional ``prometheus_client``.
"""

"""The 百校千项 action itself: batches, enrolments, implementation plans, annual reports with
typical cases, secondary units and the dashboards.

Other features feed the annual report and the dashboards through the two registries in
``marketplace.action.registry`` (``register_metric`` and ``register_deal_source``).
"""

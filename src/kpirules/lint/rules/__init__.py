"""The built-in lint rules, one per module named after its code (KPI101.py ...).

Groups: KPI1xx weights and focus, KPI2xx data, KPI3xx balance and fairness, KPI4xx
strategy, KPI5xx period and feedback, KPI6xx incentives, KPI7xx transparency, KPI8xx
history (`--history`), KPI9xx suppression comments.
"""

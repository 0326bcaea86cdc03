"""The plan: the GLA Health Inequalities Strategy Implementation Plan 2021-24, parsed into seeds.

- ``document/``: the plan, verbatim, with its PROVENANCE.md
- :mod:`ingest.plan.parser`: the document -> aims, objectives, commitments, targets
- :mod:`ingest.plan.stage`: the ``his plan`` stage, writing ``seeds/plan/plan_*.csv`` atomically
"""

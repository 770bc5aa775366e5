"""Major-project pipeline: signed projects → approval → land → funding → construction → production.

This package is the fast, vectorised implementation and the public entry point
(:func:`simulate_pipeline`).  Projects are signed each year in two programmes
(``jx_major``: Jiangxi's list of ≥10亿 projects, 赣府厅字〔2013〕97号;
``gz_1yi``: Ganzhou's >1亿 signings, 赣市府发〔2014〕26号) and move through
eleven milestones::

    signed → approval_filed → approval_start → approved → land_granted → financed
           → funded → started (开工) → completed (竣工) → producing (投产) → full_capacity (达产)

Stages without contention (reserve, financing rounds, start preparation,
construction, commissioning, ramp-up) are plain numpy arithmetic over
``paths × projects``.  Three stages have capacities implied by the documents
and are queues, one set per programme: approval throughput (a FIFO multi-server
queue), the yearly land quota and the yearly guaranteed-loan pool (FIFO yearly
quotas that lapse at year end).  They are computed by exact recursions
vectorised across paths (:mod:`model.pipeline.queues`), which reproduce, float for
float, the SimPy reference :func:`model.pipeline.reference.simulate_plain` fed with
the same random numbers.

Time is in months since 2014-01-01 (first simulated year; data as of 2013);
the pipeline starts ``warmup_years`` earlier so the reserve, queues and
construction stock are in steady state at the start.  Money is 亿元, land mu.

Randomness: every path owns a child of the caller's :class:`numpy.random.SeedSequence`
keyed by its global path index (``path_offset + i``), so a block of paths gives the
same numbers whether it is run alone or as part of a larger block.  Each project
consumes a fixed row of uniforms (one column per attribute, see ``draws._U_COLS``), so
changing a duration lever keeps common random numbers.

Modules, in the order a run crosses them: :mod:`~model.pipeline.params` (programmes,
levers, calibration file) → :mod:`~model.pipeline.destinations` (where projects land)
→ :mod:`~model.pipeline.draws` (random attributes) → :mod:`~model.pipeline.timeline`
(milestones; its queues in :mod:`~model.pipeline.queues`) →
:mod:`~model.pipeline.aggregate` (yearly and monthly arrays: :mod:`~model.pipeline.result`,
:mod:`~model.pipeline.revenue`, the 百项 list in :mod:`~model.pipeline.lists`, a project
dispatch table's state in :mod:`~model.pipeline.list_condition`, new entrants as firms
in :mod:`~model.pipeline.entrants`) → :mod:`~model.pipeline.simulate` (entry points).
:mod:`~model.pipeline.reference` is the SimPy twin of the timeline, not on the run path.

Modelling choices (numbers in ``calibration/pipeline_defaults.toml`` and
:mod:`model.levers`, each with its source or marked as a stated assumption)
---------------------------------------------------------------------------
* Intake: Poisson number of projects a year per programme (mean = lever from the
  policy start, history's value before it), signing month uniform in the year.
  ``jx_major`` holds every ≥10亿 project in the province's pipeline; the yearly
  百项 list is drawn from its stock (:func:`provincial_list`) and the decree's "≥30
  start, ≥50 complete" are counted among the listed projects.
* Size: truncated Pareto; tail index 1.026 from the 2010 anchor (1454 projects
  ≥1亿 of which 137 ≥10亿); ``jx_major`` on [10, 300]亿, ``gz_1yi`` on [1, 100]亿.
  A Ganzhou project ≥10亿 may also be on the provincial list: avoid double counting
  when adding programmes for the same region.
* Destination: with probability ``new_entrant_share_<programme>`` a project is by
  a new entrant (央企入赣, 产业转移) and founds an enterprise at a (park, cluster)
  site; otherwise it expands an existing host enterprise (weights from the caller).
* Stages and durations: lognormal (median, sigma) per stage and programme;
  approval × green-channel lever; construction × (size/size_min)^0.1 ×
  construction lever × (Ganzhou) early-production-subsidy factor.
* Abandonment: Bernoulli at the end of reserve (签约不落地) and of approval, after
  the maximum number of failed financing rounds, and during construction (at a
  uniform fraction of it; investment spent up to then counts).
* Capacities: approval = FIFO multi-server queue; land and guaranteed-loan pool =
  strict-FIFO yearly quotas that lapse at year end (a claim never exceeds one
  year's quota).  New entrants always need land; an expansion needs land with
  probability ``land_need_share_expansion`` (the rest renovate on own land);
  land need = investment ÷ 200万元/亩.
* Output: full-capacity revenue = investment × output/investment ratio (industry
  table anchored on 300万元/亩 ÷ 200万元/亩 = 1.5); production starts at 30 % of
  capacity at 投产 and ramps linearly to 100 % at 达产.  Projects reaching 投产 from
  2014 on add their revenue; earlier ones are in the 2013 base data at their 2013
  level and add only what they gain by ramping up further.  Given the
  path's cycle (from the growth layer), utilisation and ramp-up speed respond to it
  (:class:`CycleParams`, ``[cycle]`` of the calibration file); milestones do not.
* Investment: spent linearly between 开工 and 竣工 (or abandonment).
* Warm-up: the pipeline starts 6 years before 2014 so that queues and stocks are
  in steady state; warm-up cohorts appear in ``states`` and queues, not in flows.
  Every lever acts from ``policy_start`` (the first simulated year, or later);
  the warm-up runs on each programme's ``history`` settings (``[history]`` in the
  calibration file), the same for every scenario, so no lever rewrites the past.
* Not modelled: contention between programmes (each has its own queues), capacity
  that changes over the years other than at the policy start, cycles in milestone
  timing (the cycle acts on revenue only), industry (cluster) shocks on projects,
  reallocation of lapsed quota, exits of producing projects.
"""

from .destinations import Destinations
from .draws import ProjectDraws, draw_projects, path_seed_sequences
from .lists import LIST_FIELDS, ListCondition, list_membership, provincial_list
from .params import DEFAULT_CALIBRATION, CycleParams, PipelineParams, ProgrammeParams, history_levers, load_calibration
from .result import PipelineResult
from .simulate import PipelineDraft, draw_params, finish_pipeline, prepare_pipeline, simulate_pipeline
from .timeline import ABANDON_STAGES, MILESTONES, STAGES, Timeline, fast_timeline

__all__ = [
    "MILESTONES",
    "LIST_FIELDS",
    "ListCondition",
    "list_membership",
    "provincial_list",
    "STAGES",
    "ABANDON_STAGES",
    "DEFAULT_CALIBRATION",
    "load_calibration",
    "ProgrammeParams",
    "PipelineParams",
    "CycleParams",
    "Destinations",
    "ProjectDraws",
    "Timeline",
    "PipelineResult",
    "path_seed_sequences",
    "history_levers",
    "draw_projects",
    "fast_timeline",
    "simulate_pipeline",
    "PipelineDraft",
    "draw_params",
    "prepare_pipeline",
    "finish_pipeline",
]

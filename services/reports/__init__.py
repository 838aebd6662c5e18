"""Reports: service levels, complaint timeliness, outcomes and reviews, trends, the
annual publication, and satisfaction with the "How it went" surveys (docs/domain.md,
"Monitoring and reporting" and "Service-desk tickets").

Every function takes a session, the period or periods (rules.periods), an optional scope
and the time zone the periods are read in, and returns plain frozen dataclasses whose
rows are ready for a table (`as_table()`) and a chart. The scope is a where-clause on
`Complaint` (complaint reports) or `Ticket` (the service-level report) that the caller
builds, so that a screen can limit a report to the rows its user may see.

All counting and grouping is done by the database: conditional sums (`sum(case(...))`),
`count`, `group_by`, and periods bucketed by a `case` over their UTC bounds; business
days to finalise are counted against the calendar's business-day closing instants and
grouped by their number. Python only merges and labels the few grouped rows that come
back, and reads the timeliness percentiles off those counts. The same SQL runs on SQLite
and PostgreSQL (but for how the closing instants are searched); each report reads the
register once per measure, through the indexes on the instants it counts by, so it
stays fast on a register of a million complaints.

What the figures count, in words:

- An instant is in a period when it falls between local midnight at the period's start
  and local midnight at its end (Australia/Brisbane unless the caller says otherwise).
- Complaint reports count submissions of kind "complaint" only, not compliments or
  suggestions.
- A due instant is met when the step was done at or before it (`done_at <= due_at`, the
  comparison rules.deadlines makes). A step with no due instant (no SLA target for it)
  is neither met nor missed and is left out of its percentage.
"""

from .clients import (
    ClientReport,
    OpenTicket,
    client_name,
    client_organisations,
    client_report,
    client_satisfaction,
)
from .improvements import ImprovementLine, ImprovementsReport, improvements_made
from .outcomes import OutcomesReport, outcomes_and_reviews
from .publication import AnnualPublication, annual_publication
from .satisfaction import (
    SatisfactionReport,
    SatisfactionRow,
    satisfaction_of,
    satisfaction_report,
)
from .tickets import (
    AtRiskTicket,
    ServiceLevelForecast,
    ServiceLevelReport,
    ServiceLevelRow,
    service_levels,
)
from .timeliness import DIMENSIONS, TimelinessReport, TimelinessRow, complaint_timeliness
from .toolkit import Count, TableData, business_day_closes
from .trends import TrendReport, TrendRow, complaint_trends

__all__ = [
    "AnnualPublication",
    "AtRiskTicket",
    "ClientReport",
    "OpenTicket",
    "Count",
    "DIMENSIONS",
    "ImprovementLine",
    "ImprovementsReport",
    "OutcomesReport",
    "SatisfactionReport",
    "SatisfactionRow",
    "ServiceLevelForecast",
    "ServiceLevelReport",
    "ServiceLevelRow",
    "TableData",
    "TimelinessReport",
    "TimelinessRow",
    "TrendReport",
    "TrendRow",
    "annual_publication",
    "business_day_closes",
    "client_name",
    "client_organisations",
    "client_report",
    "client_satisfaction",
    "complaint_timeliness",
    "complaint_trends",
    "improvements_made",
    "outcomes_and_reviews",
    "satisfaction_of",
    "satisfaction_report",
    "service_levels",
]

"""Quality and patient experience: CQC ratings and GP Patient Survey measures.

`openpcn.quality.stats` holds the pure statistics (Wilson intervals, funnel-plot limits,
weighted aggregation, small-denominator suppression) so they can be tested against hand-computed
values apart from any reader, warehouse or report.
"""

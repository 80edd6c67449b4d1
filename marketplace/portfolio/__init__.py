"""The university's patent portfolio: grading and its history, maintenance (annual fee) decisions
and the fees falling due, and the portfolio map against the platform's own demand (专利导航)."""
